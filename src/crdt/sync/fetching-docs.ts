import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { documentIdOf, findWhenAvailable } from '../repo/find-when-available.ts'

/** What FetchingDocs reads of a repo's handle (automerge-repo's DocHandle has it). */
interface HandleState {
  inState(states: ('requesting' | 'unavailable')[]): boolean
}

/** How often the documents still on their way are looked at (the repo has no event for it). */
const LOOK_EVERY_MS = 500

/**
 * The documents a device opened and is still fetching from members: not in its storage, none of
 * their history here yet. Sync status counts each as held with no changes, so a newcomer whose
 * contact book is on its way is not "in sync" with the member who holds it; a document only
 * opened elsewhere says nothing. While one is pending, its state is looked at twice a second
 * and `changed` called when the list moves.
 */
export class FetchingDocs {
  readonly #handles: () => Readonly<Record<string, HandleState | undefined>>
  readonly #changed: () => void
  readonly #pending = new Set<string>()
  #listed = ''
  #timer: ReturnType<typeof setInterval> | undefined
  #closed = false

  constructor(
    handles: () => Readonly<Record<string, HandleState | undefined>>,
    changed: () => void,
  ) {
    this.#handles = handles
    this.#changed = changed
  }

  /** Finds the document at `url` in `repo` (findWhenAvailable), counted as fetching meanwhile. */
  find(repo: Repo, url: string): Promise<DocHandle<unknown>> {
    return this.track(documentIdOf(url), findWhenAvailable(repo, url))
  }

  /** Counts `documentId` as fetching while its handle asks the network, until `finding` settles. */
  track<T>(documentId: string, finding: Promise<T>): Promise<T> {
    if (this.#closed) return finding
    this.#pending.add(documentId)
    this.#timer ??= setInterval(() => this.#look(), LOOK_EVERY_MS)
    this.#look()
    const settled = () => {
      this.#pending.delete(documentId)
      if (this.#pending.size === 0) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
      this.#look()
    }
    finding.then(settled, settled)
    return finding
  }

  /**
   * Stops looking (the workplace was left): a document that never arrives no longer keeps a
   * timer going, and nothing more is told.
   */
  close(): void {
    this.#closed = true
    this.#pending.clear()
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** IDs of the documents being fetched now. */
  ids(): string[] {
    const handles = this.#handles()
    return [...this.#pending].filter((id) => handles[id]?.inState(['requesting', 'unavailable']))
  }

  #look(): void {
    if (this.#closed) return
    const listed = this.ids().join()
    if (listed === this.#listed) return
    this.#listed = listed
    this.#changed()
  }
}
