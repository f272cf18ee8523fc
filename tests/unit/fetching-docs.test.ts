import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { FetchingDocs } from '../../src/crdt/sync/fetching-docs.ts'

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

function handle(state: string) {
  const h = { state, inState: (states: string[]) => states.includes(h.state) }
  return h
}

it('lists an opened document while its handle asks the network, and tells when that moves', async () => {
  const handles: Record<string, ReturnType<typeof handle>> = {}
  let told = 0
  const fetching = new FetchingDocs(
    () => handles,
    () => told++,
  )
  let found!: (value: string) => void
  const finding = new Promise<string>((resolve) => (found = resolve))
  const tracked = fetching.track('doc-1', finding)
  // The repo reads its storage first: not fetching yet.
  handles['doc-1'] = handle('loading')
  expect(fetching.ids()).toEqual([])
  handles['doc-1'].state = 'requesting'
  vi.advanceTimersByTime(500)
  expect(fetching.ids()).toEqual(['doc-1'])
  expect(told).toBe(1)
  handles['doc-1'].state = 'unavailable'
  vi.advanceTimersByTime(1000)
  expect(told).toBe(1)

  handles['doc-1'].state = 'ready'
  found('handle')
  expect(await tracked).toBe('handle')
  expect(fetching.ids()).toEqual([])
  expect(told).toBe(2)
  expect(vi.getTimerCount(), 'nothing left to look at').toBe(0)
})

it('stops looking when the opening fails', async () => {
  const handles = { 'doc-1': handle('requesting') }
  let told = 0
  const fetching = new FetchingDocs(
    () => handles,
    () => told++,
  )
  const failing = Promise.reject(new Error('gone'))
  await expect(fetching.track('doc-1', failing)).rejects.toThrow('gone')
  expect(told).toBe(2)
  expect(fetching.ids()).toEqual([])
  expect(vi.getTimerCount()).toBe(0)
})

it('stops looking once closed, though a document never arrives', () => {
  const handles = { 'doc-1': handle('requesting') }
  let told = 0
  const fetching = new FetchingDocs(
    () => handles,
    () => told++,
  )
  void fetching.track('doc-1', new Promise<never>(() => {}))
  expect(fetching.ids()).toEqual(['doc-1'])
  expect(vi.getTimerCount()).toBe(1)
  fetching.close()
  expect(vi.getTimerCount(), 'no timer left looking').toBe(0)
  expect(fetching.ids()).toEqual([])
  // Opened after the workplace was left: not counted, nothing told.
  void fetching.track('doc-2', new Promise<never>(() => {}))
  vi.advanceTimersByTime(5000)
  expect(vi.getTimerCount()).toBe(0)
  expect(told).toBe(1)
})
