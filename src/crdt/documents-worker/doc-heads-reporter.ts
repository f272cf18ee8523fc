import * as Automerge from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import { ChangeCounter } from '../sync/change-counter.ts'

/**
 * Heads go out this long after a change at most (a report per change would be a flood). The page
 * tells the members its heads at most every 250 ms too (WorkplaceSync), so reporting more often
 * only made the page redo its sync status, ten times a second in a busy chat.
 */
const REPORT_AFTER_MS = 250

/**
 * Tells the page the heads of a chat's documents and how many of their changes no other member
 * is known to hold, for the workplace's sync status (see RemoteDocs in workplace-sync.ts).
 */
export class DocHeadsReporter {
  readonly #handles: () => DocHandle<unknown>[]
  readonly #fetching: () => string[]
  readonly #confirmed: () => Record<string, string[]>
  readonly #send: (heads: Record<string, string[]>, waiting: number) => void
  readonly #counter = new ChangeCounter()
  readonly #watched = new Map<DocHandle<unknown>, () => void>()
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    handles: () => DocHandle<unknown>[],
    confirmed: () => Record<string, string[]>,
    send: (heads: Record<string, string[]>, waiting: number) => void,
    /** Documents opened here and still on their way from members: reported with no heads. */
    fetching: () => string[] = () => [],
  ) {
    this.#handles = handles
    this.#fetching = fetching
    this.#confirmed = confirmed
    this.#send = send
    this.#report()
  }

  changed(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.#report()
    }, REPORT_AFTER_MS)
  }

  close(): void {
    clearTimeout(this.#timer)
    for (const off of this.#watched.values()) off()
    this.#watched.clear()
  }

  #report(): void {
    const confirmed = this.#confirmed()
    const heads: Record<string, string[]> = {}
    let waiting = 0
    for (const handle of this.#handles()) {
      if (!this.#watched.has(handle)) {
        const onHeads = () => this.changed()
        handle.on('heads-changed', onHeads)
        this.#watched.set(handle, () => handle.off('heads-changed', onHeads))
      }
      if (!handle.isReady()) continue
      const doc = handle.doc()
      heads[handle.documentId] = Automerge.getHeads(doc)
      waiting += this.#counter.since(handle.documentId, doc, confirmed[handle.documentId] ?? [])
    }
    for (const id of this.#fetching()) heads[id] ??= []
    this.#send(heads, waiting)
  }
}
