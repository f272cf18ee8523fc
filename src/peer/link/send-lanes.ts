/** A frame taken from the lanes, with the callback of its message when it is the last. */
export interface NextFrame {
  frame: Uint8Array
  sent?: ((handed: boolean) => void) | undefined
}

interface Queued {
  readonly frames: Uint8Array[]
  readonly seq: number
  readonly bytes: number
  readonly sent?: ((handed: boolean) => void) | undefined
  /** Frames of it handed out so far. */
  next: number
  /** Times another fragmented message was started before it. */
  passed: number
}

/** A fragmented message passed over this often is started next, however big. */
const MAX_PASSES = 4

/**
 * What a link sends next, when more is waiting than the pipe takes at once. Messages wait in
 * lanes, one per ordering key (a channel, or a document on the sync channel): within a lane
 * they leave in order, across lanes they need not. The link protocol lets single-frame
 * messages go between the fragments of a long message (the peer rejoins one fragmented message
 * at a time), so while a long sync message crawls over a slow path, heartbeats, presence and
 * chat still get through in a frame's time instead of waiting for all of it:
 * - urgent frames (heartbeats and their answers) go first;
 * - single-frame messages and the fragments of the long message in progress take turns, the
 *   single-frame ones oldest first;
 * - of the fragmented messages at the head of their lanes, the smallest starts next (a chat's
 *   history before a big contact book), unless one was passed over MAX_PASSES times.
 */
export class SendLanes {
  readonly #urgent: Uint8Array[] = []
  readonly #lanes = new Map<string, Queued[]>()
  /** The lane whose head message is part-sent: no other fragmented message may start. */
  #fragmenting: string | undefined
  /** Whether the last frame was a single-frame message: a waiting fragment goes next. */
  #lastWasSingle = false
  #seq = 0
  #bytes = 0

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes
  }

  get isEmpty(): boolean {
    return this.#urgent.length === 0 && this.#lanes.size === 0
  }

  /** Queues one message's frames (more than one: fragments, sent back to back) in `lane`. */
  add(lane: string, frames: Uint8Array[], sent?: (handed: boolean) => void): void {
    if (frames.length === 0) return
    let bytes = 0
    for (const frame of frames) bytes += frame.length
    const queued: Queued = { frames, seq: this.#seq++, bytes, sent, next: 0, passed: 0 }
    const waiting = this.#lanes.get(lane)
    if (waiting) waiting.push(queued)
    else this.#lanes.set(lane, [queued])
    this.#bytes += bytes
  }

  /** Queues a frame ahead of every message. */
  addUrgent(frame: Uint8Array): void {
    this.#urgent.push(frame)
    this.#bytes += frame.length
  }

  /** The frame to send now; undefined when nothing waits. */
  next(): NextFrame | undefined {
    const urgent = this.#urgent.shift()
    if (urgent) {
      this.#bytes -= urgent.length
      return { frame: urgent }
    }
    const single = this.#oldestSingle()
    const fragmented = this.#fragmentLane()
    const lane =
      fragmented !== undefined && (single === undefined || this.#lastWasSingle)
        ? fragmented
        : single
    if (lane === undefined) return undefined
    this.#lastWasSingle = lane === single
    if (lane === fragmented && this.#fragmenting === undefined) this.#passOver(lane)
    return this.#take(lane)
  }

  /** Empties the lanes, telling each waiting message it was not sent. */
  clear(): void {
    const waiting = [...this.#lanes.values()].flat()
    this.#lanes.clear()
    this.#urgent.length = 0
    this.#fragmenting = undefined
    this.#bytes = 0
    for (const message of waiting) message.sent?.(false)
  }

  #take(lane: string): NextFrame {
    const waiting = this.#lanes.get(lane)!
    const head = waiting[0]!
    const frame = head.frames[head.next++]!
    this.#bytes -= frame.length
    if (head.next < head.frames.length) {
      this.#fragmenting = lane
      return { frame }
    }
    if (this.#fragmenting === lane) this.#fragmenting = undefined
    waiting.shift()
    if (waiting.length === 0) this.#lanes.delete(lane)
    return { frame, sent: head.sent }
  }

  /** The lane whose head is the oldest single-frame message. */
  #oldestSingle(): string | undefined {
    let found: string | undefined
    let seq = Infinity
    for (const [lane, waiting] of this.#lanes) {
      const head = waiting[0]!
      if (head.frames.length === 1 && head.seq < seq) {
        found = lane
        seq = head.seq
      }
    }
    return found
  }

  /** The lane of the fragmented message in progress, or of the one to start. */
  #fragmentLane(): string | undefined {
    if (this.#fragmenting !== undefined) return this.#fragmenting
    let found: string | undefined
    let best: Queued | undefined
    for (const [lane, waiting] of this.#lanes) {
      const head = waiting[0]!
      if (head.frames.length === 1) continue
      if (!best || this.#before(head, best)) {
        found = lane
        best = head
      }
    }
    return found
  }

  /** The fragmented message of `started` starts: every other one waiting is passed over. */
  #passOver(started: string): void {
    for (const [lane, waiting] of this.#lanes) {
      const head = waiting[0]!
      if (lane !== started && head.frames.length > 1) head.passed++
    }
  }

  /** Whether fragmented message `a` starts before `b`. */
  #before(a: Queued, b: Queued): boolean {
    const aDue = a.passed >= MAX_PASSES
    const bDue = b.passed >= MAX_PASSES
    if (aDue !== bDue) return aDue
    if (aDue) return a.seq < b.seq
    return a.bytes < b.bytes || (a.bytes === b.bytes && a.seq < b.seq)
  }
}
