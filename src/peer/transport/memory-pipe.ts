import { BacklogEmitter } from './backlog-emitter.ts'
import { LOW_WATER_MARK } from './channel-pipe.ts'
import type { DataPipe, DataPipeEvents, PipeStats } from './pipe.ts'

export interface MemoryPipeOptions {
  /** Default 256 KiB; a larger send closes the pipe, as a real channel would fail. */
  maxMessageSize?: number
  /** Fake DTLS fingerprints of the two ends; random by default. */
  fingerprints?: { a: string; b: string }
}

/** Which end of a pair, and the state both ends share. */
interface Shared {
  maxMessageSize: number
  /** Side channels asked for by one end and waiting for the other, by label. */
  waiting: Map<
    string,
    { end: MemoryPipe; resolve: (pipe: DataPipe) => void; reject: (error: Error) => void }
  >
  sides: Set<MemoryPipe>
}

/**
 * Two connected in-memory DataPipes delivering on microtasks, for unit tests of the layers
 * above. bufferedAmount counts bytes sent and not yet delivered, so backpressure is exercised.
 */
export function createMemoryPipePair(options: MemoryPipeOptions = {}): [DataPipe, DataPipe] {
  const shared: Shared = {
    maxMessageSize: options.maxMessageSize ?? 256 * 1024,
    waiting: new Map(),
    sides: new Set(),
  }
  const fingerprints = options.fingerprints ?? { a: randomHex(), b: randomHex() }
  return connect(shared, fingerprints, true)
}

function connect(
  shared: Shared,
  fingerprints: { a: string; b: string },
  isMain: boolean,
): [MemoryPipe, MemoryPipe] {
  const a = new MemoryPipe(shared, { local: fingerprints.a, remote: fingerprints.b }, isMain)
  const b = new MemoryPipe(shared, { local: fingerprints.b, remote: fingerprints.a }, isMain)
  a.peer = b
  b.peer = a
  return [a, b]
}

class MemoryPipe extends BacklogEmitter<DataPipeEvents, 'message'> implements DataPipe {
  peer!: MemoryPipe
  readonly fingerprints: { readonly local: string; readonly remote: string }
  readonly #shared: Shared
  readonly #isMain: boolean
  #open = true
  #buffered = 0
  #sent = 0
  #received = 0

  constructor(shared: Shared, fingerprints: { local: string; remote: string }, isMain: boolean) {
    super('message', (data) => data.byteLength, 64 * 1024 * 1024)
    this.#shared = shared
    this.fingerprints = fingerprints
    this.#isMain = isMain
  }

  get isOpen(): boolean {
    return this.#open
  }

  get bufferedAmount(): number {
    return this.#buffered
  }

  get maxMessageSize(): number {
    return this.#shared.maxMessageSize
  }

  send(data: Uint8Array): void {
    if (!this.#open) return
    if (data.byteLength > this.maxMessageSize) {
      this.close(`message of ${data.byteLength} bytes exceeds maxMessageSize`)
      return
    }
    const copy = data.slice()
    this.#buffered += copy.byteLength
    this.#sent += copy.byteLength
    queueMicrotask(() => {
      const wasAbove = this.#buffered > LOW_WATER_MARK
      this.#buffered -= copy.byteLength
      if (!this.#open || !this.peer.#open) return
      this.peer.#received += copy.byteLength
      this.peer.deliver(copy)
      if (wasAbove && this.#buffered <= LOW_WATER_MARK) this.emit('drain', undefined)
    })
  }

  openSideChannel(label: string): Promise<DataPipe> {
    if (!this.#open) return Promise.reject(new Error('the connection is closed'))
    const waiting = this.#shared.waiting.get(label)
    if (waiting && waiting.end !== this) {
      this.#shared.waiting.delete(label)
      const [mine, theirs] = connect(
        this.#shared,
        { a: this.fingerprints.local, b: this.fingerprints.remote },
        false,
      )
      this.#shared.sides.add(mine).add(theirs)
      waiting.resolve(theirs)
      return Promise.resolve(mine)
    }
    if (waiting) return Promise.reject(new Error(`side channel "${label}" is already opening`))
    return new Promise((resolve, reject) =>
      this.#shared.waiting.set(label, { end: this, resolve, reject }),
    )
  }

  async stats(): Promise<PipeStats> {
    return {
      rttMs: 0,
      bytesSent: this.#sent,
      bytesReceived: this.#received,
      localCandidateType: 'host',
      remoteCandidateType: 'host',
    }
  }

  close(reason = 'local close'): void {
    if (!this.#open) return
    this.#finish(reason)
    queueMicrotask(() => this.peer.#finish('remote closed'))
    // Closing a main pipe takes its whole connection down, side channels with it.
    if (this.#isMain) {
      for (const side of this.#shared.sides) side.#finish('connection closed')
      for (const { reject } of this.#shared.waiting.values()) {
        reject(new Error('the connection closed'))
      }
      this.#shared.waiting.clear()
    }
  }

  #finish(reason: string): void {
    if (!this.#open) return
    this.#open = false
    this.#buffered = 0
    this.#shared.sides.delete(this)
    this.emit('close', { reason })
  }
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
