import type { PeerPresence } from '../peer/mesh/mesh-port.ts'
import { ImmutableString, type DocHandle } from '@automerge/automerge-repo'
import { trackingJudge, type TrackingJudge } from '../peer/identity/tracking-judge.ts'
import type { PeerId } from '../peer/ids.ts'
import type { LocalFileRecord } from './chunk-store.ts'
import type { FileTransfers } from './file-transfers.ts'
import {
  readEntries,
  readHoldings,
  readPlan,
  readStorage,
  type FileEntry,
  type FilesDoc,
  type StoredHolding,
} from './files-doc.ts'
import { holdingClaim } from './file-claims.ts'
import type { HashHex } from './hashing.ts'
import { planReplicas, type PlanFile } from './replica-planner.ts'
import type { StorageBudget } from './storage-budget.ts'
import type { FilesJudge, FilesWorkplace } from './files-workplace.ts'

/** A partial holding is rewritten at most this often (complete ones at once). */
const PARTIAL_EVERY_MS = 5000
/** Use is republished when it moved by more than this. */
const USED_STEP_BYTES = 1024 * 1024

export interface ReplicaKeeperDeps {
  workplace: FilesWorkplace
  transfers: FileTransfers
  presence: PeerPresence
  budget: StorageBudget
  handle: DocHandle<FilesDoc>
  now: () => number
  local: () => ReadonlyMap<HashHex, LocalFileRecord>
  download: (fileId: HashHex) => void
  /** The version records, as WorkplaceFiles reads them (by default, as the document holds them). */
  entries?: (doc: FilesDoc, judge: FilesJudge) => FileEntry[]
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
  readonly #judge: TrackingJudge<Parameters<FilesJudge>>
  #timer: ReturnType<typeof setTimeout> | undefined
  #dueAt = Infinity
  #running: Promise<void> | null = null
  #again = false
  #closed = false
  #used = 0

  constructor(deps: ReplicaKeeperDeps) {
    this.#d = deps
    this.#judge = trackingJudge(deps.workplace.authorship)
  }

  #entries(doc: FilesDoc): FileEntry[] {
    return (this.#d.entries ?? readEntries)(doc, this.#judge.judge)
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
    const { workplace, handle, transfers } = this.#d
    if (this.#closed || !handle.isReady() || !workplace.isMember(workplace.self)) return
    const records = await transfers.store.records()
    const local = new Map(records.map((r) => [r.fileId, r]))
    this.#used = records.reduce((sum, r) => sum + (r.count ? (r.size * r.chunks) / r.count : 0), 0)
    await this.#writeOwn(local)
    this.#fetchAssigned(local)
    if (this.#d.presence.syncer(workplace.id) === workplace.self) this.#plan()
    if (!sameRecords(local, this.#d.local())) for (const handler of this.#localHandlers) handler()
  }

  /**
   * This device's holdings (signed) and storage offer, where the document differs. A holding
   * of this device's that is not signed by it (written before holdings were signed) is signed
   * again, so that it counts.
   */
  async #writeOwn(local: Map<HashHex, LocalFileRecord>): Promise<void> {
    const { handle, workplace } = this.#d
    const self = workplace.self
    const now = this.#d.now()
    const doc = handle.doc()
    const fileIds = new Set(this.#entries(doc).map((e) => e.fileId))
    const mine = doc.holdings?.[self] ?? {}
    const writes = new Map<HashHex, StoredHolding | null>()
    for (const fileId of fileIds) {
      const record = local.get(fileId)
      const current = mine[fileId]
      const held = record && record.chunks > 0 ? record : undefined
      if (!held) {
        if (current) writes.set(fileId, null)
        continue
      }
      const complete = held.chunks >= held.count
      const changed = !current || current.chunks !== held.chunks || current.of !== held.count
      const wasComplete = !!current && current.chunks >= current.of
      if (
        (changed &&
          (complete || !current || wasComplete || now - current.at >= PARTIAL_EVERY_MS)) ||
        (current && this.#unsigned(fileId, current))
      ) {
        writes.set(fileId, { chunks: held.chunks, of: held.count, at: now })
      }
    }
    const storage = doc.storage?.[self]
    const quota = this.#d.budget.quota()
    const used = Math.round(this.#used)
    const storageStale =
      !storage || storage.quota !== quota || Math.abs(storage.used - used) > USED_STEP_BYTES
    if (writes.size === 0 && !storageStale) return
    const authorship = workplace.authorship
    for (const [fileId, holding] of writes) {
      if (!holding) continue
      const { peer: _self, ...claim } = holdingClaim(self, fileId, holding, holding.at)
      holding.s = new ImmutableString(await authorship.sign(claim))
    }
    if (this.#closed) return
    handle.change((d) => {
      d.holdings ??= {}
      d.holdings[self] ??= {}
      const own = d.holdings[self]
      for (const [fileId, holding] of writes) {
        if (holding) own[fileId] = holding
        else delete own[fileId]
      }
      if (storageStale) {
        d.storage ??= {}
        d.storage[self] = { quota, used, at: now }
      }
    })
  }

  /** Whether a holding of this device's is known not to be signed by it (not merely unchecked). */
  #unsigned(fileId: HashHex, current: StoredHolding): boolean {
    const self = this.#d.workplace.self
    const at = typeof current.at === 'number' ? current.at : 0
    const claim = holdingClaim(self, fileId, current, at)
    const verdict = this.#d.workplace.authorship.check(claim, current.s)
    return verdict === 'unsigned' || verdict === 'forged'
  }

  /** Starts what the plan asks of this device, and resumes downloads left unfinished. */
  #fetchAssigned(local: Map<HashHex, LocalFileRecord>): void {
    const { handle, workplace, transfers } = this.#d
    const doc = handle.doc()
    const fileIds = new Set(this.#entries(doc).map((e) => e.fileId))
    const assigned = readPlan(doc).get(workplace.self) ?? new Map<HashHex, number>()
    for (const fileId of fileIds) {
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
   * some are still being checked, planning waits (the check's end schedules a pass).
   */
  #plan(): void {
    const { handle, workplace, presence } = this.#d
    const doc = handle.doc()
    const files = new Map<HashHex, PlanFile>()
    this.#judge.takePending()
    for (const entry of this.#entries(doc)) {
      const known = files.get(entry.fileId)
      if (!known || entry.addedAt < known.addedAt) {
        files.set(entry.fileId, { fileId: entry.fileId, size: entry.size, addedAt: entry.addedAt })
      }
    }
    const holders = new Map<HashHex, Set<PeerId>>()
    for (const [fileId, byPeer] of readHoldings(doc, this.#judge.judge)) {
      const complete = [...byPeer].filter(([, h]) => h.complete && h.genuine)
      holders.set(fileId, new Set(complete.map(([p]) => p)))
    }
    if (this.#judge.takePending()) {
      void workplace.authorship.nextChange().then(() => this.schedule(0))
      return
    }
    const free = new Map<PeerId, number>()
    for (const [peer, s] of readStorage(doc)) free.set(peer, s.quota - s.used)
    const replicas = workplace.doc?.settings?.replicas
    const changes = planReplicas({
      files: [...files.values()],
      members: workplace.members().map((m) => m.peer),
      online: new Set(presence.online(workplace.id)),
      holders,
      plan: readPlan(doc),
      free,
      replicas: typeof replicas === 'number' && replicas >= 1 ? replicas : 2,
      now: this.#d.now(),
    })
    if (changes.assign.length === 0 && changes.release.length === 0) return
    const now = this.#d.now()
    handle.change((d) => {
      d.plan ??= {}
      for (const { peer, fileId } of changes.release) {
        const planned = d.plan[peer]
        if (!planned) continue
        delete planned[fileId]
        if (Object.keys(planned).length === 0) delete d.plan[peer]
      }
      for (const { peer, fileId } of changes.assign) {
        d.plan[peer] ??= {}
        d.plan[peer][fileId] = now
      }
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
