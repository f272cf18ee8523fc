import type { DataPipe } from '../transport/pipe.ts'

const RETRY_MS = 50

/**
 * The send queue of one pipe: frames go to the pipe while its buffer is under the high-water
 * mark and wait in memory otherwise, so a burst never overflows the data channel (which would
 * throw or close it). Resumes on `drain`, with a slow retry for pipes that never drain.
 */
export class SendQueue {
  readonly #pipe: DataPipe
  readonly #highWaterMark: number
  readonly #queue: { frame: Uint8Array; sent?: (handed: boolean) => void }[] = []
  #retry: ReturnType<typeof setTimeout> | null = null
  #queuedBytes = 0
  #closed = false
  #offDrain: () => void

  constructor(pipe: DataPipe, highWaterMark: number) {
    this.#pipe = pipe
    this.#highWaterMark = highWaterMark
    this.#offDrain = pipe.on('drain', () => this.#flush())
  }

  /** Bytes waiting in memory, not yet handed to the pipe. */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /** Queues frames; resolves true once the last is handed to the pipe, false if dropped. */
  push(frames: Uint8Array[]): Promise<boolean> {
    if (this.#closed || frames.length === 0) return Promise.resolve(!this.#closed)
    const done = new Promise<boolean>((resolve) => {
      frames.forEach((frame, i) => {
        this.#queue.push(i === frames.length - 1 ? { frame, sent: resolve } : { frame })
        this.#queuedBytes += frame.length
      })
    })
    this.#flush()
    return done
  }

  /** Drops everything queued. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#offDrain()
    if (this.#retry) clearTimeout(this.#retry)
    for (const item of this.#queue.splice(0)) item.sent?.(false)
    this.#queuedBytes = 0
  }

  #flush(): void {
    if (this.#closed) return
    while (this.#queue.length > 0 && this.#pipe.bufferedAmount < this.#highWaterMark) {
      if (!this.#pipe.isOpen) return this.close()
      const item = this.#queue.shift()
      if (!item) break
      this.#queuedBytes -= item.frame.length
      this.#pipe.send(item.frame)
      item.sent?.(true)
    }
    if (this.#queue.length > 0 && !this.#retry) {
      this.#retry = setTimeout(() => {
        this.#retry = null
        this.#flush()
      }, RETRY_MS)
    }
  }
}
