import * as Automerge from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { DocHeadsReporter } from '../../src/crdt/documents-worker/doc-heads-reporter.ts'

/** Just what the reporter uses of a handle: its document, and its heads-changed event. */
function fakeHandle() {
  let doc = Automerge.from({ n: 0 })
  const listeners = new Set<() => void>()
  const handle = {
    documentId: 'doc-1',
    isReady: () => true,
    doc: () => doc,
    on: (_event: string, fn: () => void) => void listeners.add(fn),
    off: (_event: string, fn: () => void) => void listeners.delete(fn),
  }
  return {
    handle: handle as unknown as DocHandle<unknown>,
    change() {
      doc = Automerge.change(doc, (d) => void (d.n += 1))
      for (const fn of listeners) fn()
    },
    heads: () => Automerge.getHeads(doc),
  }
}

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

it('tells the page a busy document’s heads about four times a second, the last ones included', () => {
  const doc = fakeHandle()
  const sent: string[][] = []
  const reporter = new DocHeadsReporter(
    () => [doc.handle],
    () => ({}),
    (heads) => sent.push(heads['doc-1']!),
  )
  expect(sent).toHaveLength(1)
  // A change every 20 ms for a second: each report crosses to the page and is worked on there.
  for (let i = 0; i < 50; i++) {
    doc.change()
    vi.advanceTimersByTime(20)
  }
  vi.advanceTimersByTime(1000)
  expect(sent.length - 1).toBeGreaterThanOrEqual(3)
  expect(sent.length - 1).toBeLessThanOrEqual(5)
  expect(sent.at(-1)).toEqual(doc.heads())
  reporter.close()
})

it('reports a document on its way from members with no heads, next to those held', () => {
  const doc = fakeHandle()
  const sent: Record<string, string[]>[] = []
  let fetching = ['doc-2']
  const reporter = new DocHeadsReporter(
    () => [doc.handle],
    () => ({}),
    (heads) => sent.push(heads),
    () => fetching,
  )
  expect(sent.at(-1)).toEqual({ 'doc-1': doc.heads(), 'doc-2': [] })
  fetching = []
  reporter.changed()
  vi.advanceTimersByTime(300)
  expect(sent.at(-1)).toEqual({ 'doc-1': doc.heads() })
  reporter.close()
})
