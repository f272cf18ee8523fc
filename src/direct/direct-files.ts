import type { Download } from '../files/download.ts'
import type { HashHex } from '../files/hashing.ts'
import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import type { Conversations } from './conversations.ts'
import type { FileMessage, FileState } from './direct-model.ts'
import type { DirectFileEngine } from './direct-ports.ts'
import { fileName, MAX_FILE_BYTES, type Answer, type DirectWire } from './direct-protocol.ts'
import type { Outbox } from './outbox.ts'
import type { PeerReach } from './peer-reach.ts'

/** The files engine's scope of direct shares. */
const DIRECT_SCOPE = 'direct'

/** Bytes moved so far of one offer, for a progress bar. */
export interface TransferProgress {
  bytesDone: number
  size: number
  /** Bytes per second; 0 when unknown. */
  rate: number
  secondsLeft: number | null
}

/** A file being read into the store before it is offered. */
export interface PreparingFile {
  peer: PeerId
  name: string
  size: number
  bytesDone: number
}

export interface DirectFilesEvents extends Record<string, unknown> {
  change: void
}

export interface DirectFilesOptions {
  self: PeerId
  engine: DirectFileEngine
  conversations: Conversations
  outbox: Outbox
  reach: PeerReach
  now: () => number
  newId: () => string
  log: (message: string) => void
}

/** Which answers may follow which state of an offer. */
const NEXT: Record<Answer, readonly FileState[]> = {
  accepted: ['offered'],
  declined: ['offered'],
  received: ['accepted'],
  failed: ['offered', 'accepted'],
  cancelled: ['offered', 'accepted'],
}

/**
 * Files sent straight to a device: an offer (name, size, the engine's file ID) that the
 * receiver accepts or declines. Only an accepted offer is served, to that device alone; the
 * receiver fetches it with the files engine (verified chunks, resumable) and reports back.
 */
export class DirectFiles extends Emitter<DirectFilesEvents> {
  readonly #o: DirectFilesOptions
  /** `peer|fileId` pairs this device serves: offers of its own the peer accepted. */
  readonly #serving = new Set<string>()
  /** Own offers still waiting for an answer: `peer|offerId` → file ID. */
  readonly #offered = new Map<string, HashHex>()
  readonly #preparing = new Set<PreparingFile>()
  readonly #offs: (() => void)[] = []

  constructor(options: DirectFilesOptions) {
    super()
    this.#o = options
    this.#offs.push(
      options.engine.serveScope(DIRECT_SCOPE, {
        mayFetch: (peer, fileId) => (this.#serving.has(`${peer}|${fileId}`) ? null : 'not-member'),
      }),
      options.engine.on('change', () => this.emit('change', undefined)),
    )
  }

  /** Serves accepted offers again and resumes accepted downloads after a reload. */
  async load(): Promise<void> {
    for (const m of await this.#o.conversations.filesInState('offered')) {
      if (m.author === this.#o.self) this.#offered.set(`${m.peer}|${m.id}`, m.file.id)
    }
    for (const m of await this.#o.conversations.filesInState('accepted')) {
      if (m.author === this.#o.self) this.#serve(m.peer, m.file.id)
      else this.#download(m)
    }
  }

  preparing(peer: PeerId): PreparingFile[] {
    return [...this.#preparing].filter((p) => p.peer === peer)
  }

  /** Reads the file into the store, then offers it; rejects with a readable Error. */
  async send(peer: PeerId, blob: Blob, name: string): Promise<void> {
    const clean = fileName(name)
    if (blob.size > MAX_FILE_BYTES) {
      throw new Error(`${clean} is too large to send (at most ${MAX_FILE_BYTES / 1024 ** 3} GB)`)
    }
    const preparing: PreparingFile = { peer, name: clean, size: blob.size, bytesDone: 0 }
    this.#preparing.add(preparing)
    this.emit('change', undefined)
    let fileId: HashHex
    try {
      const added = await this.#o.engine.add(blob, {
        onProgress: (bytes) => {
          preparing.bytesDone = bytes
          this.emit('change', undefined)
        },
      })
      fileId = added.fileId
    } finally {
      this.#preparing.delete(preparing)
      this.emit('change', undefined)
    }
    const id = this.#o.newId()
    const at = this.#o.now()
    const file = { id: fileId, name: clean, size: blob.size, type: blob.type }
    this.#offered.set(`${peer}|${id}`, fileId)
    await this.#o.conversations.add({
      kind: 'file',
      peer,
      id,
      author: this.#o.self,
      sentAt: at,
      at,
      delivery: 'queued',
      unread: false,
      file,
      state: 'offered',
    })
    await this.#o.outbox.enqueue(peer, { t: 'offer', id, at, file })
  }

  /** An offer arrived: stored as waiting for the person's answer. Resolves when stored. */
  async onOffer(peer: PeerId, wire: Extract<DirectWire, { t: 'offer' }>): Promise<boolean> {
    return this.#o.conversations.add({
      kind: 'file',
      peer,
      id: wire.id,
      author: peer,
      sentAt: wire.at,
      at: this.#o.now(),
      delivery: 'received',
      unread: true,
      file: wire.file,
      state: 'offered',
    })
  }

  async accept(peer: PeerId, offerId: string): Promise<void> {
    const m = await this.#answer(peer, offerId, 'accepted')
    if (m) this.#download(m)
  }

  decline(peer: PeerId, offerId: string): Promise<unknown> {
    return this.#answer(peer, offerId, 'declined')
  }

  /** Stops a transfer from either end: the sender withdraws, the receiver cancels. */
  async cancel(message: FileMessage): Promise<void> {
    if (message.author !== this.#o.self) {
      await this.#o.engine.cancel(message.file.id)
      await this.#answer(message.peer, message.id, 'cancelled')
      return
    }
    const m = await this.#setState(
      message.peer,
      this.#o.self,
      message.id,
      ['offered', 'accepted'],
      'cancelled',
    )
    if (!m) return
    this.#stopServing(message.peer, message.id, message.file.id)
    const id = this.#o.newId()
    await this.#o.outbox.enqueue(message.peer, {
      t: 'withdraw',
      id,
      at: this.#o.now(),
      offer: message.id,
    })
  }

  /**
   * Serves an offer at once when its acceptance arrives (before anything async, and before
   * earlier messages are done), so the receiver's first request, right behind the answer on
   * the link, finds it served. `onAnswer` then records the answer (and undoes this if the
   * offer cannot be accepted).
   */
  answerArrived(peer: PeerId, wire: Extract<DirectWire, { t: 'answer' }>): void {
    const fileId = this.#offered.get(`${peer}|${wire.offer}`)
    if (wire.answer === 'accepted' && fileId) this.#serve(peer, fileId)
  }

  /** The receiver answered one of this device's offers. */
  async onAnswer(peer: PeerId, wire: Extract<DirectWire, { t: 'answer' }>): Promise<void> {
    const fileId = this.#offered.get(`${peer}|${wire.offer}`)
    const m = await this.#setState(peer, this.#o.self, wire.offer, NEXT[wire.answer], wire.answer)
    if (!m) {
      const stillServed = fileId && (await this.#isAccepted(peer, wire.offer))
      if (wire.answer === 'accepted' && fileId && !stillServed) {
        this.#serving.delete(`${peer}|${fileId}`)
      }
      this.#o.log(`ignored answer ${wire.answer} from ${peer} to offer ${wire.offer}`)
      return
    }
    this.#offered.delete(`${peer}|${wire.offer}`)
    if (wire.answer !== 'accepted') this.#serving.delete(`${peer}|${m.file.id}`)
    this.#o.reach[wire.answer === 'accepted' ? 'want' : 'release'](peer, `file:${m.id}`)
  }

  async #isAccepted(peer: PeerId, offerId: string): Promise<boolean> {
    const m = await this.#o.conversations.get(peer, this.#o.self, offerId)
    return m?.kind === 'file' && m.state === 'accepted'
  }

  /** The sender took an offer back: its transfer stops. */
  async onWithdraw(peer: PeerId, wire: Extract<DirectWire, { t: 'withdraw' }>): Promise<void> {
    const m = await this.#setState(peer, peer, wire.offer, ['offered', 'accepted'], 'cancelled')
    if (!m) return
    await this.#o.engine.cancel(m.file.id)
    this.#o.reach.release(peer, `file:${m.id}`)
  }

  /** Progress of an accepted offer (either end), or null. */
  progress(message: FileMessage): TransferProgress | null {
    if (message.state !== 'accepted') return null
    const size = message.file.size
    if (message.author === this.#o.self) {
      const upload = this.#o.engine
        .uploads()
        .find((u) => u.peer === message.peer && u.fileId === message.file.id)
      if (!upload) return { bytesDone: 0, size, rate: 0, secondsLeft: null }
      const left = upload.rate > 0 ? (size - upload.bytesSent) / upload.rate : null
      return {
        bytesDone: Math.min(size, upload.bytesSent),
        size,
        rate: upload.rate,
        secondsLeft: left,
      }
    }
    const p = this.#o.engine.downloadOf(message.file.id)?.progress()
    if (!p) return { bytesDone: 0, size, rate: 0, secondsLeft: null }
    return { bytesDone: p.bytesDone, size, rate: p.rate, secondsLeft: p.secondsLeft }
  }

  /** The bytes of a file held here in full, chunk by chunk. */
  read(fileId: HashHex): AsyncGenerator<Uint8Array> {
    return this.#o.engine.read(fileId)
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.removeAllListeners()
  }

  async #answer(peer: PeerId, offerId: string, answer: Answer): Promise<FileMessage | undefined> {
    const m = await this.#setState(peer, peer, offerId, NEXT[answer], answer)
    if (!m) return undefined
    const id = this.#o.newId()
    await this.#o.outbox.enqueue(peer, {
      t: 'answer',
      id,
      at: this.#o.now(),
      offer: offerId,
      answer,
    })
    return m
  }

  /** Moves an offer to `state` if it is in one of `from`; resolves with it, or undefined. */
  async #setState(
    peer: PeerId,
    author: PeerId,
    id: string,
    from: readonly FileState[],
    state: FileState,
    error?: string,
  ): Promise<FileMessage | undefined> {
    let moved: FileMessage | undefined
    await this.#o.conversations.update(peer, author, id, (m) => {
      if (m.kind !== 'file' || !from.includes(m.state)) return undefined
      moved = { ...m, state, ...(error ? { error } : {}) }
      return moved
    })
    return moved
  }

  #serve(peer: PeerId, fileId: HashHex): void {
    this.#serving.add(`${peer}|${fileId}`)
  }

  #stopServing(peer: PeerId, offerId: string, fileId: HashHex): void {
    this.#offered.delete(`${peer}|${offerId}`)
    this.#serving.delete(`${peer}|${fileId}`)
    this.#o.reach.release(peer, `file:${offerId}`)
  }

  /** Fetches an accepted offer from its sender; a file other than offered fails. */
  #download(m: FileMessage): void {
    const finder = { candidates: () => [m.peer], onChange: () => () => {} }
    this.#o.reach.want(m.peer, `file:${m.id}`)
    const download: Download = this.#o.engine.download(m.file.id, DIRECT_SCOPE, finder, m.file.size)
    const fail = (why: string) => {
      void this.#o.engine.cancel(m.file.id)
      void this.#finish(m, 'failed', why)
    }
    const off = download.on('change', () => {
      const size = download.progress().size
      if (size !== null && size !== m.file.size) {
        off()
        fail(`the file has ${size} bytes, not the ${m.file.size} offered`)
      }
    })
    download.done.then(
      () => {
        off()
        void this.#finish(m, 'received')
      },
      () => off(),
    )
  }

  async #finish(m: FileMessage, state: 'received' | 'failed', error?: string): Promise<void> {
    const moved = await this.#setState(m.peer, m.peer, m.id, ['accepted'], state, error)
    this.#o.reach.release(m.peer, `file:${m.id}`)
    if (!moved) return
    const id = this.#o.newId()
    await this.#o.outbox.enqueue(m.peer, {
      t: 'answer',
      id,
      at: this.#o.now(),
      offer: m.id,
      answer: state,
    })
  }
}
