import type { PeerPresence } from '../peer/mesh/mesh-port.ts'
import { ImmutableString, type DocHandle } from '@automerge/automerge-repo'
import { trackingJudge, type TrackingJudge } from '../peer/identity/tracking-judge.ts'
import { Emitter } from '../lib/emitter.ts'
import { base32 } from '../lib/base32.ts'
import type { PeerId } from '../peer/ids.ts'
import type { LocalFileRecord } from './chunk-store.ts'
import type { Download } from './download.ts'
import type { FileTransfers } from './file-transfers.ts'
import type { FilesJudge, FilesWorkplace } from './files-workplace.ts'
import { groupVersions } from './file-versions.ts'
import {
  cleanName,
  FILES_DOC_KIND,
  readHoldings,
  readPlan,
  storedEntry,
  type FileEntry,
  type FilesDoc,
  type Holding,
} from './files-doc.ts'
import type { HashHex } from './hashing.ts'
import type { SourceFinder } from './ports.ts'
import { ReplicaKeeper } from './replica-keeper.ts'
import { EntryHistory } from './entry-history.ts'
import type { StorageBudget } from './storage-budget.ts'
import { buildFilesView, type FilesView } from './files-view.ts'
import { entryClaim, holdingClaim } from './file-claims.ts'

export interface WorkplaceFilesOptions {
  workplace: FilesWorkplace
  transfers: FileTransfers
  presence: PeerPresence
  budget: StorageBudget
  now?: () => number
}

export interface AddingView {
  id: string
  name: string
  size: number
  bytesDone: number
}

/**
 * The files of one workplace on this device: the file index document, adding files and
 * versions, downloads from the members who hold them, this device's holdings written back,
 * and (through ReplicaKeeper) the replica plan. Members alone may fetch the workplace's files
 * from this device.
 */
export class WorkplaceFiles extends Emitter<{ change: void }> {
  readonly workplace: FilesWorkplace
  readonly transfers: FileTransfers
  readonly handle: DocHandle<FilesDoc>
  readonly #presence: PeerPresence
  readonly #now: () => number
  readonly #keeper: ReplicaKeeper
  readonly #adding = new Map<string, AddingView>()
  readonly #holderWatchers = new Set<() => void>()
  readonly #flagged = new Map<HashHex, Set<PeerId>>()
  readonly #offs: (() => void)[] = []
  readonly #judge: TrackingJudge<Parameters<FilesJudge>>
  #entries: FileEntry[] = []
  readonly #entryHistory: EntryHistory
  #fileIds = new Map<HashHex, number>()
  #holdings = new Map<HashHex, Map<PeerId, Holding>>()
  #local = new Map<HashHex, LocalFileRecord>()
  #changeQueued = false

  /**
   * Opens the workplace's files. A member who is not an owner waits until the workplace's root
   * document (synced from the others) names the file index: only an owner may start one.
   */
  static async open(options: WorkplaceFilesOptions): Promise<WorkplaceFiles> {
    await indexKnown(options.workplace)
    const handle = await options.workplace.openDoc<FilesDoc>(FILES_DOC_KIND)
    const files = new WorkplaceFiles(options, handle)
    await files.#refreshLocal()
    files.#keeper.schedule()
    return files
  }

  private constructor(options: WorkplaceFilesOptions, handle: DocHandle<FilesDoc>) {
    super()
    this.workplace = options.workplace
    this.transfers = options.transfers
    this.handle = handle
    this.#presence = options.presence
    this.#now = options.now ?? Date.now
    this.#judge = trackingJudge(options.workplace.authorship)
    this.#entryHistory = new EntryHistory(options.workplace)
    this.#keeper = new ReplicaKeeper({
      workplace: options.workplace,
      transfers: options.transfers,
      presence: options.presence,
      budget: options.budget,
      handle,
      now: this.#now,
      local: () => this.#local,
      download: (fileId) => this.download(fileId),
      entries: (doc, judge) => this.#entryHistory.read(doc, judge),
    })
    this.#readDoc()
    const self = this.workplace.self
    this.#offs.push(
      this.transfers.serveScope(this.workplace.id, {
        mayFetch: (peer, fileId) => {
          if (!this.workplace.isMember(peer) || !this.workplace.isMember(self)) return 'not-member'
          return this.#fileIds.has(fileId) ? null : 'unknown-file'
        },
      }),
      onChange(handle, () => {
        this.#readDoc()
        this.#keeper.schedule()
        this.#changed()
      }),
      this.workplace.on('change', () => this.#changed()),
      // Verdicts moved (membership, keys) or checks finished: read the records again.
      this.workplace.authorship.on('change', () => this.#rejudge(true)),
      this.workplace.authorship.on('verified', () => this.#rejudge(false)),
      this.#presence.onOnlineChange((group) => {
        if (group !== this.workplace.id) return
        this.#keeper.schedule()
        this.#changed()
      }),
      this.transfers.on('change', () => {
        this.#keeper.schedule(1000)
        this.#changed()
      }),
      this.transfers.on('complete', ({ fileId }) => {
        if (!this.#fileIds.has(fileId)) return
        void this.#refreshLocal().then(() => this.#keeper.schedule(0))
      }),
      this.transfers.on('flagged', ({ fileId, peer }) => {
        if (!this.#flagged.has(fileId)) this.#flagged.set(fileId, new Set())
        this.#flagged.get(fileId)!.add(peer)
      }),
      options.budget.on('change', () => this.#keeper.schedule(0)),
      () => this.#keeper.close(),
    )
    this.#keeper.onLocalChange(() => void this.#refreshLocal())
  }

  /** Everything the files panel shows, computed from the document and this device's state. */
  view(): FilesView {
    return buildFilesView({
      self: this.workplace.self,
      groups: groupVersions(this.#entries),
      holdings: this.#holdings,
      plan: readPlan(this.handle.doc()).get(this.workplace.self) ?? new Map(),
      local: this.#local,
      downloads: (fileId) => this.transfers.downloadOf(fileId)?.progress() ?? null,
      uploads: this.transfers.uploads().filter((u) => this.#fileIds.has(u.fileId)),
      flagged: this.#flagged,
      members: this.workplace.members(),
      online: new Set(this.#presence.online(this.workplace.id)),
      syncer: this.#presence.syncer(this.workplace.id),
      replicas: this.replicas,
      adding: [...this.#adding.values()],
      budget: this.#keeper.storageView(),
      entry: (fileId) => this.#entries.find((e) => e.fileId === fileId),
    })
  }

  get replicas(): number {
    const value = this.workplace.doc?.settings?.replicas
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 2
  }

  entries(): readonly FileEntry[] {
    return this.#entries
  }

  /**
   * Adds a file (a new version when the name is listed already). The bytes are read chunk by
   * chunk into this device's store; the document gets one small entry.
   */
  async add(blob: Blob, name: string, type = blob.type): Promise<FileEntry> {
    const clean = cleanName(name)
    if (!clean) throw new Error('A file needs a name.')
    if (!this.workplace.isMember(this.workplace.self)) {
      throw new Error('Only members can add files to this workplace.')
    }
    const id = base32(crypto.getRandomValues(new Uint8Array(10)))
    this.#adding.set(id, { id, name: clean, size: blob.size, bytesDone: 0 })
    this.#changed()
    try {
      const { fileId, manifest } = await this.transfers.add(blob, {
        onProgress: (bytesDone) => {
          const adding = this.#adding.get(id)
          if (adding) adding.bytesDone = bytesDone
          this.#changed()
        },
      })
      const latest = groupVersions(this.#entries)
        .find((f) => f.name === clean)
        ?.versions.at(-1)
      if (latest?.fileId === fileId) return latest
      const entry: FileEntry = {
        id,
        name: clean,
        type: type.slice(0, 100),
        size: blob.size,
        fileId,
        addedBy: this.workplace.self,
        addedAt: this.#now(),
        verified: true,
      }
      const self = this.workplace.self
      const sign = this.workplace.authorship.sign.bind(this.workplace.authorship)
      const { peer: _e, ...forEntry } = entryClaim(id, self, entry, entry.addedAt)
      const holding = { chunks: manifest.count, of: manifest.count, at: entry.addedAt }
      const { peer: _h, ...forHolding } = holdingClaim(self, fileId, holding, holding.at)
      const [entryProof, holdingProof] = await Promise.all([sign(forEntry), sign(forHolding)])
      this.handle.change((d) => {
        d.entries[id] = storedEntry(entry, entryProof)
        // The holding goes with the entry, so nobody sees a file without its holder.
        d.holdings ??= {}
        d.holdings[self] ??= {}
        d.holdings[self][fileId] = { ...holding, s: new ImmutableString(holdingProof) }
      })
      this.#readDoc()
      await this.#refreshLocal()
      this.#keeper.schedule(0)
      return entry
    } finally {
      this.#adding.delete(id)
      this.#changed()
    }
  }

  /** Starts (or returns) the download of a file of this workplace onto this device. */
  download(fileId: HashHex): Download {
    const size = this.#fileIds.get(fileId)
    if (size === undefined) throw new Error('That file is not in this workplace.')
    return this.transfers.download(fileId, this.workplace.id, this.#finder(fileId), size)
  }

  /** Resolves once the file is held in full here, downloading it if need be. */
  async ensureComplete(fileId: HashHex): Promise<void> {
    if (await this.transfers.isComplete(fileId)) return
    await this.download(fileId).done
  }

  async cancel(fileId: HashHex): Promise<void> {
    await this.transfers.cancel(fileId)
    await this.#refreshLocal()
  }

  /** Removes this device's copy (other members' copies stay). */
  async removeLocal(fileId: HashHex): Promise<void> {
    await this.transfers.removeLocal(fileId)
    await this.#refreshLocal()
    this.#keeper.schedule(0)
  }

  read(fileId: HashHex): AsyncGenerator<Uint8Array> {
    return this.transfers.read(fileId)
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.#holderWatchers.clear()
  }

  /** Holders of a file from the index: every member said to hold some of it. */
  #finder(fileId: HashHex): SourceFinder {
    return {
      candidates: () =>
        [...(this.#holdings.get(fileId) ?? new Map<PeerId, Holding>())]
          .filter(([peer, h]) => h.chunks > 0 && peer !== this.workplace.self)
          .map(([peer]) => peer)
          .filter((peer) => this.workplace.isMember(peer)),
      onChange: (handler) => {
        this.#holderWatchers.add(handler)
        return () => this.#holderWatchers.delete(handler)
      },
    }
  }

  #readDoc(): void {
    const doc = this.handle.doc()
    this.#judge.takePending()
    this.#entries = this.#entryHistory.read(doc, this.#judge.judge)
    this.#fileIds = new Map(this.#entries.map((e) => [e.fileId, e.size]))
    this.#holdings = readHoldings(doc, this.#judge.judge)
    for (const watcher of [...this.#holderWatchers]) watcher()
  }

  /** Reads the document again when verdicts may read otherwise (`always`, or some were pending). */
  #rejudge(always: boolean): void {
    if (!always && !this.#judge.takePending()) return
    this.#readDoc()
    this.#keeper.schedule(0)
    this.#changed()
  }

  async #refreshLocal(): Promise<void> {
    const records = await this.transfers.store.records()
    this.#local = new Map(records.map((r) => [r.fileId, r]))
    this.#changed()
  }

  #changed(): void {
    if (this.#changeQueued) return
    this.#changeQueued = true
    queueMicrotask(() => {
      this.#changeQueued = false
      this.emit('change', undefined)
    })
  }
}

function indexKnown(workplace: FilesWorkplace): Promise<void> {
  const known = () =>
    workplace.doc?.docs?.[FILES_DOC_KIND] !== undefined || workplace.isOwner(workplace.self)
  if (known()) return Promise.resolve()
  return new Promise((resolve) => {
    const off = workplace.on('change', () => {
      if (!known()) return
      off()
      resolve()
    })
  })
}

function onChange<T>(handle: DocHandle<T>, listener: () => void): () => void {
  handle.on('change', listener)
  return () => handle.off('change', listener)
}
