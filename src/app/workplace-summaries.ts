import { Emitter } from '../lib/emitter.ts'
import type { Resealable } from '../vault/storage-lock.ts'
import type { SummaryStore, WorkplaceSummary } from '../crdt/workplace/summary-store.ts'

export interface WorkplaceSummariesEvents extends Record<string, unknown> {
  change: void
}

function same(a: WorkplaceSummary | undefined, b: WorkplaceSummary): boolean {
  return (
    a !== undefined &&
    a.unread === b.unread &&
    a.last?.at === b.last?.at &&
    a.last?.author === b.last?.author &&
    a.last?.preview === b.last?.preview &&
    JSON.stringify(a.window) === JSON.stringify(b.window)
  )
}

/**
 * Each workplace's last activity and unread count, as the list of workplaces shows them: read
 * from the store at start (before Automerge loads), then kept up to date by the open chats
 * (chat-summaries.ts) and written back when they change.
 */
export class WorkplaceSummaries extends Emitter<WorkplaceSummariesEvents> implements Resealable {
  readonly #store: SummaryStore & Partial<Resealable>
  readonly #current = new Map<string, WorkplaceSummary>()
  /** Resolves once the stored summaries are read (never rejects: they are only a preview). */
  readonly loaded: Promise<void>

  constructor(store: SummaryStore & Partial<Resealable>) {
    super()
    this.#store = store
    this.loaded = store.all().then(
      (stored) => {
        // A chat that reported first is newer than what was stored.
        for (const summary of stored) {
          if (!this.#current.has(summary.id)) this.#current.set(summary.id, summary)
        }
        this.emit('change', undefined)
      },
      (error: unknown) => console.warn('the workplaces’ last activity could not be read', error),
    )
  }

  get(id: string): WorkplaceSummary | undefined {
    return this.#current.get(id)
  }

  ids(): string[] {
    return [...this.#current.keys()]
  }

  /**
   * Records a workplace's summary; it is written only if it changed. One with nothing to show
   * (no message, none unread) is not kept at all.
   */
  set(summary: WorkplaceSummary): void {
    if (!summary.last && summary.unread === 0) return this.delete(summary.id)
    if (same(this.#current.get(summary.id), summary)) return
    this.#current.set(summary.id, summary)
    this.emit('change', undefined)
    this.#store
      .put(summary)
      .catch((error: unknown) => console.warn(`the summary of ${summary.id} was not saved`, error))
  }

  /** Forgets a workplace this device no longer holds. */
  delete(id: string): void {
    if (!this.#current.delete(id)) return
    this.emit('change', undefined)
    this.#store
      .delete(id)
      .catch((error: unknown) => console.warn(`the summary of ${id} was not removed`, error))
  }

  reseal(onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.#store.reseal?.(onProgress) ?? Promise.resolve()
  }
}
