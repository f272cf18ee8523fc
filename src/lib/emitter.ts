/** A tiny typed event emitter. `Events` maps an event name to its listener's argument. */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>()

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener as (value: never) => void)
    return () => this.off(event, listener)
  }

  off<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener as (value: never) => void)
  }

  /** Calls every listener; one that throws is reported and does not stop the others. */
  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        ;(listener as (value: Events[K]) => void)(value)
      } catch (error) {
        console.error(`listener for "${String(event)}" failed`, error)
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear()
  }
}
