import { Emitter } from '../../lib/emitter.ts'

/**
 * An Emitter that holds one event kind (messages) while nobody listens for it, and hands the
 * backlog to the first listener on a microtask. Pipes and links resolve before their user has
 * attached listeners; without this, the first messages of the peer would be lost.
 */
export class BacklogEmitter<
  Events extends Record<string, unknown>,
  K extends keyof Events,
> extends Emitter<Events> {
  readonly #event: K
  readonly #sizeOf: (value: Events[K]) => number
  readonly #maxBytes: number
  readonly #listeners = new Set<unknown>()
  #backlog: Events[K][] = []
  #backlogBytes = 0
  #flushScheduled = false

  constructor(event: K, sizeOf: (value: Events[K]) => number, maxBytes: number) {
    super()
    this.#event = event
    this.#sizeOf = sizeOf
    this.#maxBytes = maxBytes
  }

  override on<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): () => void {
    const off = super.on(event, listener)
    if ((event as keyof Events) === this.#event) {
      this.#listeners.add(listener)
      this.#scheduleFlush()
    }
    return off
  }

  override off<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): void {
    super.off(event, listener)
    if ((event as keyof Events) === this.#event) this.#listeners.delete(listener)
  }

  /** Emits now if someone listens and nothing is held, else holds (dropping beyond the cap). */
  protected deliver(value: Events[K]): void {
    if (this.#listeners.size > 0 && this.#backlog.length === 0) {
      this.emit(this.#event, value)
      return
    }
    const size = this.#sizeOf(value)
    if (this.#backlogBytes + size > this.#maxBytes) {
      console.warn(`dropping a ${size}-byte ${String(this.#event)}: nobody is listening yet`)
      return
    }
    this.#backlog.push(value)
    this.#backlogBytes += size
    this.#scheduleFlush()
  }

  protected clearBacklog(): void {
    this.#backlog = []
    this.#backlogBytes = 0
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#backlog.length === 0 || this.#listeners.size === 0) return
    this.#flushScheduled = true
    queueMicrotask(() => {
      this.#flushScheduled = false
      while (this.#backlog.length > 0 && this.#listeners.size > 0) {
        const value = this.#backlog.shift() as Events[K]
        this.#backlogBytes -= this.#sizeOf(value)
        this.emit(this.#event, value)
      }
    })
  }
}
