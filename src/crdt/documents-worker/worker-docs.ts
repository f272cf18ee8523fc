import { Emitter } from '../../lib/emitter.ts'
import type { RemoteDocs } from '../sync/workplace-sync.ts'

/**
 * A workplace's chat documents as the worker last reported them, for its sync status. The worker
 * reports after every `confirm` (each member's heads report brings one) whether or not anything
 * changed: only a change is passed on, else each report would answer the last one for ever.
 */
export class WorkerDocs extends Emitter<{ change: boolean }> implements RemoteDocs {
  #heads: Record<string, string[]> = {}
  #headsText = '{}'
  #waiting = 0
  /** What was last sent to the worker as confirmed (the same is not sent again). */
  #confirmed = ''
  readonly #confirm: (heads: Record<string, string[]>) => void

  constructor(confirm: (heads: Record<string, string[]>) => void) {
    super()
    this.#confirm = confirm
  }

  update(heads: Record<string, string[]>, waiting: number): void {
    const text = JSON.stringify(heads)
    const headsChanged = text !== this.#headsText
    if (!headsChanged && waiting === this.#waiting) return
    this.#heads = heads
    this.#headsText = text
    this.#waiting = waiting
    this.emit('change', headsChanged)
  }

  heads(): Record<string, string[]> {
    return this.#heads
  }

  waiting(): number {
    return this.#waiting
  }

  onChange(listener: (headsChanged: boolean) => void): () => void {
    return this.on('change', listener)
  }

  confirm(heads: Record<string, string[]>): void {
    const text = JSON.stringify(heads)
    if (text === this.#confirmed) return
    this.#confirmed = text
    this.#confirm(heads)
  }
}
