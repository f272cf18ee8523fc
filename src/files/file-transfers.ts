import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import type { ChunkStore, LocalFileRecord } from './chunk-store.ts'
import { ChunkServer, type UploadView } from './chunk-server.ts'
import { Download, type DownloadOptions } from './download.ts'
import type { HashHex, Sha256 } from './hashing.ts'
import { importBlob } from './import-blob.ts'
import { Manifest } from './manifest.ts'
import type { ScopeAccess, SourceFinder } from './ports.ts'
import {
  decodeFilesMessage,
  encodeFilesMessage,
  FILES_CHANNEL,
  FILES_DATA_CHANNEL,
  type FilesMessage,
} from './transfer-protocol.ts'

export interface FileTransfersOptions {
  /** Files travel only over direct links (link-only and bulk lanes): senders are proven. */
  mesh: MeshPort
  store: ChunkStore
  sha256: Sha256
  /** Chunk size of files added on this device (default: import-blob.ts). */
  chunkSize?: number
  download?: DownloadOptions
  now?: () => number
  log?: (message: string) => void
}

export interface FileTransfersEvents extends Record<string, unknown> {
  change: void
  /** A file is now held in full on this device. */
  complete: { fileId: HashHex }
  /** A holder sent data that failed verification. */
  flagged: { fileId: HashHex; peer: PeerId; detail: string }
}

/**
 * This device's file engine, independent of workplaces: its chunk store, the server that hands
 * chunks to peers allowed by a scope's access rule, and the downloads in progress. A scope is
 * a workplace or a direct share; whoever owns a scope registers its rule and finds holders.
 */
export class FileTransfers extends Emitter<FileTransfersEvents> {
  readonly store: ChunkStore
  readonly server: ChunkServer
  readonly #o: FileTransfersOptions
  readonly #now: () => number
  readonly #log: (message: string) => void
  readonly #scopes = new Map<string, ScopeAccess>()
  readonly #downloads = new Map<HashHex, Download>()
  readonly #offs: (() => void)[] = []

  constructor(options: FileTransfersOptions) {
    super()
    this.#o = options
    this.store = options.store
    this.#now = options.now ?? (() => performance.now())
    this.#log = options.log ?? ((message) => console.warn(`[files] ${message}`))
    this.server = new ChunkServer({
      store: options.store,
      access: (scope) => this.#scopes.get(scope),
      send: (peer, message) => void this.#send(peer, message),
      sendBulk: (peer, message) => this.#sendBulk(peer, message),
      now: this.#now,
      log: this.#log,
    })
    const mesh = options.mesh
    this.#offs.push(
      this.server.on('change', () => this.emit('change', undefined)),
      mesh.onLinkMessage(FILES_CHANNEL, ({ from, data }) => this.#receive(from, data)),
      mesh.onLinkMessage(FILES_DATA_CHANNEL, ({ from, data }) => this.#receive(from, data)),
      mesh.presence.onLinkChange(({ peer, up }) => (up ? this.#linkUp() : this.#linkDown(peer))),
    )
  }

  get self(): PeerId {
    return this.#o.mesh.self
  }

  /** Lets peers fetch this scope's files as `access` allows; returns the undo function. */
  serveScope(scope: string, access: ScopeAccess): () => void {
    this.#scopes.set(scope, access)
    return () => {
      if (this.#scopes.get(scope) === access) this.#scopes.delete(scope)
    }
  }

  /** Adds a local file (read chunk by chunk, never whole) and holds it in full. */
  async add(
    blob: Blob,
    options: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {},
  ): Promise<{ fileId: HashHex; manifest: Manifest }> {
    const result = await importBlob(blob, {
      store: this.store,
      sha256: this.#o.sha256,
      ...(this.#o.chunkSize ? { chunkSize: this.#o.chunkSize } : {}),
      ...options,
    })
    this.server.forget(result.fileId)
    this.emit('complete', { fileId: result.fileId })
    this.emit('change', undefined)
    return result
  }

  /**
   * Starts (or returns the running) download of a file into the store. It resumes from what is
   * stored and keeps going as holders come and go, until complete or cancelled.
   */
  download(fileId: HashHex, scope: string, finder: SourceFinder, sizeHint?: number): Download {
    const running = this.#downloads.get(fileId)
    // One that cancelled itself (a chunk it could not store) stays listed, and is replaced here.
    if (running && running.state !== 'cancelled') return running
    const download = new Download({
      fileId,
      scope,
      finder,
      store: this.store,
      sha256: this.#o.sha256,
      self: this.self,
      send: (peer, message) => this.#send(peer, message),
      now: this.#now,
      log: this.#log,
      ...(sizeHint !== undefined ? { sizeHint } : {}),
      ...(this.#o.download ? { options: this.#o.download } : {}),
    })
    this.#downloads.set(fileId, download)
    download.on('change', () => this.emit('change', undefined))
    download.on('flagged', ({ peer, detail }) => this.emit('flagged', { fileId, peer, detail }))
    download.done.then(
      () => {
        this.server.forget(fileId)
        this.emit('complete', { fileId })
      },
      () => {},
    )
    void download.start().catch((error: unknown) => {
      this.#log(`download of ${fileId} failed to start: ${String(error)}`)
      // Only this download: it may have been cancelled, and the file asked for again, meanwhile.
      if (this.#downloads.get(fileId) === download) void this.cancel(fileId)
      else void download.cancel()
    })
    this.emit('change', undefined)
    return download
  }

  downloads(): Download[] {
    return [...this.#downloads.values()]
  }

  downloadOf(fileId: HashHex): Download | undefined {
    return this.#downloads.get(fileId)
  }

  /** Stops a download; what is stored stays (a later download resumes from it). */
  async cancel(fileId: HashHex): Promise<void> {
    const download = this.#downloads.get(fileId)
    if (!download) return
    this.#downloads.delete(fileId)
    await download.cancel()
    this.emit('change', undefined)
  }

  uploads(): UploadView[] {
    return this.server.uploads()
  }

  async record(fileId: HashHex): Promise<LocalFileRecord | undefined> {
    return this.store.getRecord(fileId)
  }

  async isComplete(fileId: HashHex): Promise<boolean> {
    const record = await this.store.getRecord(fileId)
    return !!record && record.chunks >= record.count
  }

  /** The file's bytes in order, one chunk at a time, from the store. */
  async *read(fileId: HashHex): AsyncGenerator<Uint8Array> {
    const bytes = await this.store.getManifest(fileId)
    const manifest = bytes ? Manifest.decode(bytes) : new Error('no manifest stored')
    if (manifest instanceof Error) throw new Error(`cannot read ${fileId}: ${manifest.message}`)
    for (let index = 0; index < manifest.count; index++) {
      const chunk = await this.store.getChunk(manifest.hashHex(index))
      if (!chunk) throw new Error(`chunk ${index} of ${fileId} is not stored`)
      yield chunk
    }
  }

  /**
   * Removes this device's copy of a file: its record, manifest, and the chunks no other file
   * held here shares.
   */
  async removeLocal(fileId: HashHex): Promise<void> {
    await this.cancel(fileId)
    const bytes = await this.store.getManifest(fileId)
    const manifest = bytes ? Manifest.decode(bytes) : undefined
    await this.store.deleteFile(fileId)
    this.server.forget(fileId)
    if (manifest instanceof Manifest) {
      const kept = new Set<string>()
      for (const record of await this.store.records()) {
        const other = await this.store.getManifest(record.fileId)
        const decoded = other ? Manifest.decode(other) : undefined
        if (!(decoded instanceof Manifest)) continue
        for (let i = 0; i < decoded.count; i++) kept.add(decoded.hashHex(i))
      }
      const hashes = Array.from({ length: manifest.count }, (_, i) => manifest.hashHex(i))
      await this.store.deleteChunks(hashes.filter((hash) => !kept.has(hash)))
    }
    this.emit('change', undefined)
  }

  close(): void {
    for (const download of this.#downloads.values()) void download.cancel()
    this.#downloads.clear()
    for (const off of this.#offs.splice(0)) off()
  }

  #linkUp(): void {
    for (const download of this.#downloads.values()) download.refresh()
  }

  #linkDown(peer: PeerId): void {
    this.server.peerGone(peer)
    for (const download of this.#downloads.values()) download.peerGone(peer)
  }

  #receive(peer: PeerId, data: Uint8Array): void {
    const message = decodeFilesMessage(data)
    if (message instanceof Error) {
      this.#log(`dropped a message from ${peer}: ${message.message}`)
      return
    }
    switch (message.type) {
      case 'open':
        return void this.server.onOpen(peer, message)
      case 'request':
        return this.server.onRequest(peer, message)
      case 'cancel':
        return this.server.onCancel(peer, message)
      default:
        this.#downloads.get(message.fileId)?.receive(peer, message)
    }
  }

  #send(peer: PeerId, message: FilesMessage): boolean {
    return this.#o.mesh.sendLinked(peer, FILES_CHANNEL, encodeFilesMessage(message))
  }

  #sendBulk(peer: PeerId, message: FilesMessage): Promise<void> {
    return this.#o.mesh.sendBulk(peer, FILES_DATA_CHANNEL, encodeFilesMessage(message))
  }
}
