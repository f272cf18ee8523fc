import { Emitter } from '../../src/peer/emitter.ts'
import type { DataPipe, DataPipeEvents, PipeStats } from '../../src/peer/transport/pipe.ts'

/**
 * One end of an in-memory DataPipe pair. Delivers on microtasks; messages that arrive before
 * anyone listens are kept until the first 'message' listener, as a data channel's would be.
 */
export class FakePipe extends Emitter<DataPipeEvents> implements DataPipe {
  readonly bufferedAmount = 0
  readonly maxMessageSize = 256 * 1024
  readonly fingerprints: { readonly local: string; readonly remote: string }
  other: FakePipe | undefined
  #open = true
  #backlog: Uint8Array[] | undefined = []

  constructor(local: string, remote: string) {
    super()
    this.fingerprints = { local, remote }
  }

  get isOpen(): boolean {
    return this.#open
  }

  override on<K extends keyof DataPipeEvents>(
    event: K,
    listener: (value: DataPipeEvents[K]) => void,
  ): () => void {
    const off = super.on(event, listener)
    if (event === 'message' && this.#backlog) {
      const backlog = this.#backlog
      this.#backlog = undefined
      queueMicrotask(() => backlog.forEach((data) => this.emit('message', data)))
    }
    return off
  }

  send(data: Uint8Array): void {
    if (!this.#open) throw new Error('pipe is closed')
    const copy = data.slice()
    const other = this.other
    queueMicrotask(() => other?.receive(copy))
  }

  receive(data: Uint8Array): void {
    if (!this.#open) return
    if (this.#backlog) this.#backlog.push(data)
    else this.emit('message', data)
  }

  openSideChannel(): Promise<DataPipe> {
    return Promise.reject(new Error('no side channels in fake pipes'))
  }

  stats(): Promise<PipeStats> {
    return Promise.resolve({
      rttMs: 0,
      bytesSent: 0,
      bytesReceived: 0,
      localCandidateType: 'host',
      remoteCandidateType: 'host',
    })
  }

  close(reason = 'closed'): void {
    if (!this.#open) return
    this.#open = false
    this.emit('close', { reason })
    const other = this.other
    queueMicrotask(() => other?.close('remote closed'))
  }
}

let pairs = 0

/** Two connected in-memory pipes with matching fake DTLS fingerprints. */
export function createFakePipePair(): [FakePipe, FakePipe] {
  pairs++
  const a = new FakePipe(`a${pairs}`, `b${pairs}`)
  const b = new FakePipe(`b${pairs}`, `a${pairs}`)
  a.other = b
  b.other = a
  return [a, b]
}
