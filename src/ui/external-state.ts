import { createSubscriber } from 'svelte/reactivity'
import { memoizedRead } from './memoized-read.ts'

/**
 * A value that lives outside Svelte (an emitter, a document handle) read into runes lazily:
 * reading `current` inside an effect or template subscribes through `listen`, and the
 * subscription ends when no effect reads it any more. Outside effects it just reads.
 *
 * With `memo`, reads while subscribed return the value read after the last `update` (one read
 * per change however many places show it); only for values whose every change `listen` reports.
 */
export class ExternalState<T> {
  readonly #read: () => T
  readonly #track: () => void

  /**
   * @param read returns the current value
   * @param listen calls `update` whenever the value may have changed; returns an unsubscribe
   */
  constructor(
    read: () => T,
    listen: (update: () => void) => () => void,
    options: { memo?: boolean } = {},
  ) {
    const source = options.memo ? memoizedRead(read, listen) : { read, listen }
    this.#read = source.read
    this.#track = createSubscriber(source.listen)
  }

  get current(): T {
    this.#track()
    return this.#read()
  }
}
