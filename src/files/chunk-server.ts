import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { Bitmap } from './bitmap.ts'
import type { ChunkStore } from './chunk-store.ts'
import type { HashHex } from './hashing.ts'
import { Manifest } from './manifest.ts'
import type { ScopeAccess } from './ports.ts'
import type {
  CancelMessage,
  FilesMessage,
  OpenMessage,
  RefusalCode,
  RequestMessage,
} from './transfer-protocol.ts'
import { RateMeter } from './rate-meter.ts'

/** Chunk reads in flight ahead of the one being sent. */
const READ_AHEAD = 4
/** Chunk indices one peer may have queued; a client keeps far fewer in flight. */
const MAX_QUEUED = 4096
const MANIFEST_CACHE = 32
/** Manifests above this size are answered on the bulk channel, not the control one. */
const INLINE_MANIFEST_BYTES = 16 * 1024

export interface ChunkServerDeps {
  store: ChunkStore
  /** The access rule of a scope, or undefined for a scope this device does not serve. */
  access: (scope: string) => ScopeAccess | undefined
  /** Sends a control message (never throws; dropped when the link is gone). */
  send: (peer: PeerId, message: FilesMessage) => void
  /** Sends on the bulk channel; resolves under backpressure, rejects once the link is gone. */
  sendBulk: (peer: PeerId, message: FilesMessage) => Promise<void>
  now: () => number
  log: (message: string) => void
}

/** One peer's fetch of one file from this device, as the uploader's progress shows it. */
export interface UploadView {
  peer: PeerId
  fileId: HashHex
  bytesSent: number
  /** Bytes per second over the last seconds. */
  rate: number
  /** Chunks queued and not sent yet. */
  queued: number
}

interface QueuedChunk {
  fileId: HashHex
  index: number
  cancelled?: boolean
}

interface Upload {
  bytesSent: number
  meter: RateMeter
  lastAt: number
}

interface Session {
  /** Files this peer opened, with the scope it was allowed under. */
  opened: Map<HashHex, string>
  queue: QueuedChunk[]
  ahead: { item: QueuedChunk; bytes: Promise<Uint8Array | undefined> }[]
  pumping: boolean
  uploads: Map<HashHex, Upload>
}

export interface ChunkServerEvents extends Record<string, unknown> {
  change: void
}

/**
 * Serves this device's chunks to peers: answers `open` after checking the scope's access rule,
 * queues requested chunks per peer and sends them on the bulk channel as fast as its
 * backpressure allows, reading a few chunks ahead from the store.
 */
export class ChunkServer extends Emitter<ChunkServerEvents> {
  readonly #deps: ChunkServerDeps
  readonly #sessions = new Map<PeerId, Session>()
  readonly #manifests = new Map<HashHex, Promise<Manifest | undefined>>()

  constructor(deps: ChunkServerDeps) {
    super()
    this.#deps = deps
  }

  uploads(): UploadView[] {
    const now = this.#deps.now()
    const views: UploadView[] = []
    for (const [peer, session] of this.#sessions) {
      for (const [fileId, upload] of session.uploads) {
        const queued = session.queue.filter((item) => item.fileId === fileId).length
        const rate = upload.meter.rate(now)
        if (queued === 0 && rate === 0 && now - upload.lastAt > 10_000) continue
        views.push({ peer, fileId, bytesSent: upload.bytesSent, rate, queued })
      }
    }
    return views
  }

  async onOpen(peer: PeerId, message: OpenMessage): Promise<void> {
    const { requestId, fileId, scope } = message
    const refuse = (code: RefusalCode, detail: string) =>
      this.#deps.send(peer, { type: 'refused', requestId, fileId, code, detail })
    const access = this.#deps.access(scope)
    if (!access) return refuse('unknown-file', 'this device does not share files in that scope')
    const refusal = access.mayFetch(peer, fileId)
    if (refusal) return refuse(refusal, refusalText(refusal))
    const manifest = await this.#manifest(fileId)
    if (!manifest) return refuse('not-held', 'this device holds no part of that file')
    const bitmap = await this.#bitmap(fileId, manifest)
    const session = this.#session(peer)
    session.opened.set(fileId, scope)
    const encoded = message.wantManifest ? manifest.encode() : null
    const reply: FilesMessage = {
      type: 'opened',
      requestId,
      fileId,
      count: manifest.count,
      bitmap: bitmap.bytes,
      manifest: encoded,
    }
    if (encoded && encoded.length > INLINE_MANIFEST_BYTES) {
      await this.#deps.sendBulk(peer, reply).catch(() => this.#drop(peer, session))
    } else {
      this.#deps.send(peer, reply)
    }
  }

  onRequest(peer: PeerId, message: RequestMessage): void {
    const session = this.#sessions.get(peer)
    const scope = session?.opened.get(message.fileId)
    const refuse = (code: RefusalCode) =>
      this.#deps.send(peer, {
        type: 'refused',
        requestId: 0,
        fileId: message.fileId,
        code,
        detail: refusalText(code),
      })
    if (!session || scope === undefined) return refuse('not-opened')
    const access = this.#deps.access(scope)
    const refusal = access ? access.mayFetch(peer, message.fileId) : 'unknown-file'
    if (refusal) {
      session.opened.delete(message.fileId)
      return refuse(refusal)
    }
    for (const { start, length } of message.ranges) {
      for (let index = start; index < start + length; index++) {
        if (session.queue.length >= MAX_QUEUED) {
          this.#deps.log(`${peer} asked for more than ${MAX_QUEUED} chunks at once; dropped`)
          return void this.#pump(peer, session)
        }
        session.queue.push({ fileId: message.fileId, index })
      }
    }
    void this.#pump(peer, session)
  }

  onCancel(peer: PeerId, message: CancelMessage): void {
    const session = this.#sessions.get(peer)
    if (!session) return
    session.queue = session.queue.filter((item) => item.fileId !== message.fileId)
    for (const { item } of session.ahead) if (item.fileId === message.fileId) item.cancelled = true
    this.emit('change', undefined)
  }

  /** The peer's link closed: its queue goes. */
  peerGone(peer: PeerId): void {
    const session = this.#sessions.get(peer)
    if (!session) return
    this.#sessions.delete(peer)
    for (const { item } of session.ahead) item.cancelled = true
    session.queue = []
    this.emit('change', undefined)
  }

  /** Forgets cached manifests (after a local copy is removed). */
  forget(fileId: HashHex): void {
    this.#manifests.delete(fileId)
  }

  /**
   * Drops a session whose send failed, unless the peer has linked again since: a send on the old
   * link can fail after the new link's session began.
   */
  #drop(peer: PeerId, session: Session): void {
    if (this.#sessions.get(peer) === session) this.peerGone(peer)
  }

  #session(peer: PeerId): Session {
    let session = this.#sessions.get(peer)
    if (!session) {
      session = { opened: new Map(), queue: [], ahead: [], pumping: false, uploads: new Map() }
      this.#sessions.set(peer, session)
    }
    return session
  }

  async #pump(peer: PeerId, session: Session): Promise<void> {
    if (session.pumping) return
    session.pumping = true
    const fill = () => {
      while (session.ahead.length < READ_AHEAD && session.queue.length > 0) {
        const item = session.queue.shift()!
        session.ahead.push({ item, bytes: this.#read(item) })
      }
    }
    try {
      // The queue is read again before each chunk: a request that came while the last chunk
      // was being sent found the pump busy and left its chunks there.
      while (this.#sessions.get(peer) === session) {
        fill()
        const next = session.ahead.shift()
        if (!next) break
        const { item, bytes } = next
        fill()
        const data = await bytes
        if (item.cancelled) continue
        const manifest = await this.#manifest(item.fileId)
        if (!data || !manifest) {
          this.#deps.send(peer, { type: 'missing', fileId: item.fileId, index: item.index })
          continue
        }
        const hash = manifest.hashHex(item.index)
        await this.#deps.sendBulk(peer, {
          type: 'chunk',
          fileId: item.fileId,
          index: item.index,
          hash,
          data,
        })
        this.#sent(session, item.fileId, data.length)
      }
    } catch (error) {
      this.#deps.log(`stopped sending to ${peer}: ${String(error)}`)
      this.#drop(peer, session)
    } finally {
      session.pumping = false
    }
  }

  #sent(session: Session, fileId: HashHex, bytes: number): void {
    const now = this.#deps.now()
    let upload = session.uploads.get(fileId)
    if (!upload)
      session.uploads.set(fileId, (upload = { bytesSent: 0, meter: new RateMeter(), lastAt: now }))
    upload.bytesSent += bytes
    upload.lastAt = now
    upload.meter.add(bytes, now)
    this.emit('change', undefined)
  }

  async #read(item: QueuedChunk): Promise<Uint8Array | undefined> {
    const manifest = await this.#manifest(item.fileId)
    if (!manifest || item.index >= manifest.count) return undefined
    return this.#deps.store.getChunk(manifest.hashHex(item.index))
  }

  #manifest(fileId: HashHex): Promise<Manifest | undefined> {
    let cached = this.#manifests.get(fileId)
    if (!cached) {
      cached = this.#deps.store.getManifest(fileId).then((bytes) => {
        const manifest = bytes ? Manifest.decode(bytes) : undefined
        if (manifest instanceof Error) {
          this.#deps.log(`stored manifest of ${fileId} is unreadable: ${manifest.message}`)
          return undefined
        }
        if (!manifest) this.#manifests.delete(fileId)
        return manifest
      })
      this.#manifests.set(fileId, cached)
      if (this.#manifests.size > MANIFEST_CACHE) {
        this.#manifests.delete(this.#manifests.keys().next().value as HashHex)
      }
    }
    return cached
  }

  async #bitmap(fileId: HashHex, manifest: Manifest): Promise<Bitmap> {
    const record = await this.#deps.store.getRecord(fileId)
    if (record && record.chunks >= record.count) return Bitmap.full(manifest.count)
    const hashes = Array.from({ length: manifest.count }, (_, i) => manifest.hashHex(i))
    const held = await this.#deps.store.hasChunks(hashes)
    const bitmap = new Bitmap(manifest.count)
    held.forEach((has, i) => has && bitmap.set(i))
    return bitmap
  }
}

function refusalText(code: RefusalCode): string {
  switch (code) {
    case 'not-member':
      return 'Only members of the workplace may fetch its files.'
    case 'unknown-file':
      return 'That file is not shared here.'
    case 'not-held':
      return 'This device holds no part of that file.'
    case 'not-opened':
      return 'Chunks were asked for before the file was opened.'
  }
}
