import type { PeerPresence } from '../peer/mesh/mesh-port.ts'
import type { LocalFileRecord } from './chunk-store.ts'
import type { Download } from './download.ts'
import type { FileTransfers } from './file-transfers.ts'
import type { FilesIndex } from './files-index.ts'
import type { HashHex } from './hashing.ts'
import type { StorageBudget } from './storage-budget.ts'
import type { FilesWorkplace } from './files-workplace.ts'

export interface ReplicaKeeperDeps {
  workplace: FilesWorkplace
  transfers: FileTransfers
  presence: PeerPresence
  budget: StorageBudget
  /** The files document (read and written wherever it lives). */
  index: FilesIndex
  now: () => number
  local: () => ReadonlyMap<HashHex, LocalFileRecord>
  download: (fileId: HashHex) => void
}

/**
 * Keeps the shared view of who holds what true, and the replica count up: writes this
 * device's holdings and storage offer to the files document, fetches in the background what
 * the plan (or an unfinished download) asks of this device, and, while this device is the
 * Syncer, plans who else should fetch what.
 */
export class ReplicaKeeper {
  readonly #d: ReplicaKeeperDeps
  readonly #localHandlers = new Set<() => void>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #dueAt = Infinity
  #running: Promise<void> | null = null
  #again = false
  #closed = false
  #used = 0

  constructor(deps: ReplicaKeeperDeps) {
    this.#d = deps
  }

  /** Runs a pass after `delayMs` (an earlier request wins). */
  schedule(delayMs = 500): void {
    if (this.#closed) return
    const dueAt = Date.now() + delayMs
    if (dueAt >= this.#dueAt) return
    clearTimeout(this.#timer)
    this.#dueAt = dueAt
    this.#timer = setTimeout(() => {
      this.#dueAt = Infinity
      void this.#pass()
    }, delayMs)
  }

  onLocalChange(handler: () => void): void {
    this.#localHandlers.add(handler)
  }

  storageView(): { quota: number; used: number } {
    return { quota: this.#d.budget.quota(), used: this.#used }
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  async #pass(): Promise<void> {
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = (async () => {
      try {
        await this.#run()
      } catch (error) {
        console.warn(`[files] replica pass failed: ${String(error)}`)
      }
    })()
    await this.#running
    this.#running = null
    if (this.#again && !this.#closed) {
      this.#again = false
      this.schedule(200)
    }
  }

  async #run(): Promise<void> {
    const { workplace, transfers } = this.#d
    if (this.#closed || !workplace.isMember(workplace.self)) return
    const running = new Map(transfers.downloads().map((d) => [d.fileId, d]))
    const records = await transfers.store.records()
    const local = new Map(records.map((r) => [r.fileId, r]))
    this.#used = records.reduce((sum, r) => sum + (r.count ? (r.size * r.chunks) / r.count : 0), 0)
    await this.#d.index.writeOwn(
      records.map(({ fileId, chunks, count }) => ({ fileId, chunks, count })),
      { quota: this.#d.budget.quota(), used: Math.round(this.#used) },
      this.#d.now(),
    )
    this.#fetchAssigned(local, running)
    if (this.#d.presence.syncer(workplace.id) === workplace.self) await this.#plan()
    if (!sameRecords(local, this.#d.local())) for (const handler of this.#localHandlers) handler()
  }

  /**
   * Starts what the plan asks of this device, and resumes downloads left unfinished. `before`:
   * the downloads running when the pass began.
   */
  #fetchAssigned(local: Map<HashHex, LocalFileRecord>, before: Map<HashHex, Download>): void {
    const { index, transfers } = this.#d
    const { entries, assigned } = index.state()
    for (const fileId of new Set(entries.map((e) => e.fileId))) {
      // Cancelled while this pass waited (`local` was read before the cancel; the next pass
      // reads the record as it left it), or by itself and still listed: not restarted here.
      if (before.get(fileId)?.state === 'cancelled') continue
      const record = local.get(fileId)
      if (record && record.chunks >= record.count) continue
      const resume = record?.wanted === true
      if (!assigned.has(fileId) && !resume) continue
      const running = transfers.downloadOf(fileId)
      if (!running || running.state === 'cancelled') this.#d.download(fileId)
    }
  }

  /**
   * The Syncer's part: asks members to fetch files held by fewer than R members. Only holdings
   * their holder signed count, so no member can make the plan think another holds a file; while
   * some are still being checked, planning waits (the index changes once they are).
   */
  async #plan(): Promise<void> {
    const { workplace, presence } = this.#d
    const replicas = workplace.doc?.settings?.replicas
    await this.#d.index.planReplicas({
      members: workplace.members().map((m) => m.peer),
      online: [...presence.online(workplace.id)],
      replicas: typeof replicas === 'number' && replicas >= 1 ? replicas : 2,
      now: this.#d.now(),
    })
  }
}

function sameRecords(
  a: ReadonlyMap<HashHex, LocalFileRecord>,
  b: ReadonlyMap<HashHex, LocalFileRecord>,
): boolean {
  if (a.size !== b.size) return false
  for (const [fileId, r] of a) {
    const o = b.get(fileId)
    if (!o || o.chunks !== r.chunks || o.wanted !== r.wanted) return false
  }
  return true
}
