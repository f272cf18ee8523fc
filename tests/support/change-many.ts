import * as Automerge from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'

/**
 * Makes `count` separate changes to `handle`'s document, `change(doc, i)` each, and hands them
 * to the handle at once, as a sync that brings many changes does. A test that needs a long
 * history, and not a change event per change, builds it in a fraction of the time the same
 * number of `handle.change` calls takes.
 */
export function changeMany<T>(
  handle: DocHandle<T>,
  count: number,
  change: (doc: T, i: number) => void,
): void {
  handle.update((doc) => {
    let next = doc
    for (let i = 0; i < count; i++) next = Automerge.change(next, (d) => change(d as T, i))
    return next
  })
}
