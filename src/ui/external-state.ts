import { createSubscriber } from 'svelte/reactivity'

/**
 * A value that lives outside Svelte (an emitter, a document handle) read into runes lazily:
 * reading `current` inside an effect or template subscribes through `listen`, and the
 * subscription ends when no effect reads it any more. Outside effects it just reads.
 */
export class ExternalState<T> {
  readonly #read: () => T
  readonly #track: () => void

  /**
   * @param read returns the current value
   * @param listen calls `update` whenever the value may have changed; returns an unsubscribe
   */
  constructor(read: () => T, listen: (update: () => void) => () => void) {
    this.#read = read
    this.#track = createSubscriber(listen)
  }

  get current(): T {
    this.#track()
    return this.#read()
  }
}
