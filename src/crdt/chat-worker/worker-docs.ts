import { Emitter } from '../../lib/emitter.ts'
import type { RemoteDocs } from '../sync/workplace-sync.ts'

/** A workplace's chat documents as the worker last reported them, for its sync status. */
export class WorkerDocs extends Emitter<{ change: void }> implements RemoteDocs {
  #heads: Record<string, string[]> = {}
  #waiting = 0
  readonly #confirm: (heads: Record<string, string[]>) => void

  constructor(confirm: (heads: Record<string, string[]>) => void) {
    super()
    this.#confirm = confirm
  }

  update(heads: Record<string, string[]>, waiting: number): void {
    this.#heads = heads
    this.#waiting = waiting
    this.emit('change', undefined)
  }

  heads(): Record<string, string[]> {
    return this.#heads
  }

  waiting(): number {
    return this.#waiting
  }

  onChange(listener: () => void): () => void {
    return this.on('change', listener)
  }

  confirm(heads: Record<string, string[]>): void {
    this.#confirm(heads)
  }
}
