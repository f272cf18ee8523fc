import type { PeerPresence } from '../peer/mesh/mesh-port.ts'
import { Emitter } from '../lib/emitter.ts'
import { base32 } from '../lib/base32.ts'
import type { PeerId } from '../peer/ids.ts'
import type { LocalFileRecord } from './chunk-store.ts'
import type { Download } from './download.ts'
import type { FileTransfers } from './file-transfers.ts'
import type { FilesWorkplace } from './files-workplace.ts'
import { groupVersions } from './file-versions.ts'
import { cleanName, type FileEntry, type Holding } from './files-doc.ts'
import type { FilesIndex } from './files-index.ts'
import type { HashHex } from './hashing.ts'
import { openPageFilesIndex } from './page-files-index.ts'
import type { SourceFinder } from './ports.ts'
import { ReplicaKeeper } from './replica-keeper.ts'
import type { StorageBudget } from './storage-budget.ts'
import { buildFilesView, type FilesView } from './files-view.ts'

export interface WorkplaceFilesOptions {
  workplace: FilesWorkplace
  transfers: FileTransfers
  presence: PeerPresence
  budget: StorageBudget
  now?: () => number
  /** Opens the files document (by default in this thread; the documents worker's otherwise). */
  openIndex?: (workplace: FilesWorkplace) => Promise<FilesIndex>
}

export interface AddingView {
  id: string
  name: string
  size: number
  bytesDone: number
}

/**
 * The files of one workplace on this device: adding files and versions, downloads from the
 * members who hold them, this device's holdings written back, and (through ReplicaKeeper) the
 * replica plan. The file index document is read and written through a FilesIndex (in this
 * thread or the documents worker). Members alone may fetch the workplace's files from this
 * device.
 */
export class WorkplaceFiles extends Emitter<{ change: void }> {
  readonly workplace: FilesWorkplace
  readonly transfers: FileTransfers
  /** The files document. */
  readonly index: FilesIndex
  readonly #presence: PeerPresence
  readonly #now: () => number
  readonly #keeper: ReplicaKeeper
  readonly #adding = new Map<string, AddingView>()
  readonly #holderWatchers = new Set<() => void>()
  readonly #flagged = new Map<HashHex, Set<PeerId>>()
  readonly #offs: (() => void)[] = []
  #fileIds = new Map<HashHex, number>()
  #local = new Map<HashHex, LocalFileRecord>()
  #changeQueued = false

  /** Opens the workplace's files (once its file index document is open). */
  static async open(options: WorkplaceFilesOptions): Promise<WorkplaceFiles> {
    const index = await (options.openIndex ?? openPageFilesIndex)(options.workplace)
    const files = new WorkplaceFiles(options, index)
    await files.#refreshLocal()
    files.#keeper.schedule()
    return files
  }

  private constructor(options: WorkplaceFilesOptions, index: FilesIndex) {
    super()
    this.workplace = options.workplace
    this.transfers = options.transfers
    this.index = index
    this.#presence = options.presence
    this.#now = options.now ?? Date.now
    this.#keeper = new ReplicaKeeper({
      workplace: options.workplace,
      transfers: options.transfers,
      presence: options.presence,
      budget: options.budget,
      index,
      now: this.#now,
      local: () => this.#local,
      download: (fileId) => this.download(fileId),
    })
    this.#readIndex()
    const self = this.workplace.self
    this.#offs.push(
      this.transfers.serveScope(this.workplace.id, {
        mayFetch: (peer, fileId) => {
          if (!this.workplace.isMember(peer) || !this.workplace.isMember(self)) return 'not-member'
          return this.#fileIds.has(fileId) ? null : 'unknown-file'
        },
      }),
      index.onChange((why) => {
        this.#readIndex()
        // Verdicts moved (membership, keys) or checks finished: the plan may read otherwise now.
        this.#keeper.schedule(why === 'verdicts' ? 0 : 500)
        this.#changed()
      }),
      this.workplace.on('change', () => this.#changed()),
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
      () => index.close(),
    )
    this.#keeper.onLocalChange(() => void this.#refreshLocal())
  }

  /** Everything the files panel shows, computed from the document and this device's state. */
  view(): FilesView {
    return buildFilesView({
      self: this.workplace.self,
      groups: groupVersions(this.index.state().entries),
      holdings: this.index.state().holdings,
      plan: this.index.state().assigned,
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
      entry: (fileId) => this.index.state().entries.find((e) => e.fileId === fileId),
    })
  }

  get replicas(): number {
    const value = this.workplace.doc?.settings?.replicas
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 2
  }

  entries(): readonly FileEntry[] {
    return this.index.state().entries
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
      const latest = groupVersions(this.index.state().entries)
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
      await this.index.addVersion(entry, manifest.count)
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
        [...(this.index.state().holdings.get(fileId) ?? new Map<PeerId, Holding>())]
          .filter(([peer, h]) => h.chunks > 0 && peer !== this.workplace.self)
          .map(([peer]) => peer)
          .filter((peer) => this.workplace.isMember(peer)),
      onChange: (handler) => {
        this.#holderWatchers.add(handler)
        return () => this.#holderWatchers.delete(handler)
      },
    }
  }

  /** Takes in what the index read: the files members may fetch, the holders downloads ask. */
  #readIndex(): void {
    this.#fileIds = new Map(this.index.state().entries.map((e) => [e.fileId, e.size]))
    for (const watcher of [...this.#holderWatchers]) watcher()
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
