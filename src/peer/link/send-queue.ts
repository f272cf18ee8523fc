import type { DataPipe } from '../transport/pipe.ts'
import { PipeBudget } from './pipe-budget.ts'
import { SendLanes } from './send-lanes.ts'

const RETRY_MS = 50
/** After filling an empty buffer (a burst begins, or the path took all), the next look. */
const RAMP_RETRY_MS = 5

export interface SendQueueOptions {
  /** The most the pipe's buffer ever holds. */
  highWaterMark: number
  /** How long what is in the pipe's buffer may take to leave (see PipeBudget). */
  horizonMs: number
  now: () => number
}

/**
 * The send queue of one pipe: frames go to the pipe while its buffer is under the budget
 * (pipe-budget.ts) and wait in memory otherwise, in lanes (send-lanes.ts) from which urgent and
 * short messages leave before the rest of a long one. So a burst never overflows the data
 * channel (which would throw or close it), and a slow path's buffer never holds seconds of data
 * ahead of a heartbeat. Resumes on `drain`, with a slow retry for pipes that never drain.
 */
export class SendQueue {
  readonly #pipe: DataPipe
  readonly #budget: PipeBudget
  readonly #lanes = new SendLanes()
  #retry: ReturnType<typeof setTimeout> | null = null
  /** Whether the last flush left frames waiting for room in the pipe. */
  #heldBack = false
  #closed = false
  #offDrain: () => void

  constructor(pipe: DataPipe, options: SendQueueOptions) {
    this.#pipe = pipe
    this.#budget = new PipeBudget({
      max: options.highWaterMark,
      horizonMs: options.horizonMs,
      now: options.now,
    })
    this.#offDrain = pipe.on('drain', () => this.#flush())
  }

  /** Bytes waiting in memory, not yet handed to the pipe. */
  get queuedBytes(): number {
    return this.#lanes.bytes
  }

  /**
   * Queues one message's frames in `lane` (messages of one lane leave in order); resolves true
   * once the last is handed to the pipe, false if dropped.
   */
  push(frames: Uint8Array[], lane = ''): Promise<boolean> {
    if (this.#closed || frames.length === 0) return Promise.resolve(!this.#closed)
    const done = new Promise<boolean>((resolve) => this.#lanes.add(lane, frames, resolve))
    this.#flush()
    return done
  }

  /** Queues a frame ahead of every message (a heartbeat, its answer). */
  pushUrgent(frame: Uint8Array): void {
    if (this.#closed) return
    this.#lanes.addUrgent(frame)
    this.#flush()
  }

  /** Drops everything queued. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#offDrain()
    if (this.#retry) clearTimeout(this.#retry)
    this.#lanes.clear()
  }

  #flush(): void {
    if (this.#closed) return
    const buffered = this.#pipe.bufferedAmount
    // From an empty buffer, or one that ran dry: how fast the path is shows at the next look.
    const soon = this.#budget.observe(buffered, this.#heldBack) || buffered === 0
    while (!this.#lanes.isEmpty && this.#pipe.bufferedAmount < this.#budget.limit) {
      if (!this.#pipe.isOpen) return this.close()
      const next = this.#lanes.next()
      if (!next) break
      this.#pipe.send(next.frame)
      this.#budget.handed(next.frame.length)
      next.sent?.(true)
    }
    this.#heldBack = !this.#lanes.isEmpty
    if (this.#heldBack && !this.#retry) {
      this.#retry = setTimeout(
        () => {
          this.#retry = null
          this.#flush()
        },
        soon ? RAMP_RETRY_MS : RETRY_MS,
      )
    }
  }
}
