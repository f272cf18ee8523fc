import { describe, expect, it, vi } from 'vitest'
import { afterPaintOf } from '../../src/app/first-paint.ts'
import { readSavedWorkplaces } from '../../src/app/saved-workplaces.ts'
import {
  createMemoryWorkplaceList,
  type WorkplaceList,
} from '../../src/crdt/workplace/workplace-list.ts'

// What the first screen paints before Automerge loads, and when Automerge may start.
describe('the saved workplaces read for the first paint', () => {
  it('lists the index by name', async () => {
    const list = createMemoryWorkplaceList()
    for (const [id, name] of [
      ['w2', 'bakery'],
      ['w1', 'Apiary'],
      ['w3', 'Cidery'],
    ]) {
      await list.put({ id: id!, rootUrl: `automerge:${id}`, name: name!, addedAt: 1 })
    }
    expect((await readSavedWorkplaces(list)).map((e) => e.name)).toEqual([
      'Apiary',
      'bakery',
      'Cidery',
    ])
  })

  it('is empty, with a warning, when the index cannot be read', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const broken: WorkplaceList = {
      all: () => Promise.reject(new Error('blocked')),
      put: async () => {},
      delete: async () => {},
    }
    expect(await readSavedWorkplaces(broken)).toEqual([])
    expect(warn).toHaveBeenCalledOnce()
    warn.mockRestore()
  })
})

describe('afterPaintOf', () => {
  it('waits for the painted promise and then for the frame after, even if the promise fails', async () => {
    for (const painted of [() => Promise.resolve(), () => Promise.reject(new Error('no list'))]) {
      const frames: (() => void)[] = []
      let done = false
      const waiting = afterPaintOf(painted(), (callback) => frames.push(callback), undefined).then(
        () => (done = true),
      )
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(frames).toHaveLength(1)
      expect(done).toBe(false)
      // The list's frame is drawn; the work waits for the next one, when that paint is timed.
      frames[0]!()
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(frames).toHaveLength(2)
      expect(done).toBe(false)
      frames[1]!()
      await waiting
      expect(done).toBe(true)
    }
  })

  it('then waits for the largest paint since the list was painted to be timed, for a while', async () => {
    const asked: [number, number][] = []
    let timed: () => void = () => {}
    let done = false
    const waiting = afterPaintOf(
      Promise.resolve(),
      (callback) => callback(),
      (since, maxMs) => {
        asked.push([since, maxMs])
        return new Promise<void>((resolve) => (timed = resolve))
      },
      () => 1234,
    ).then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(asked).toEqual([[1234, 250]])
    expect(done).toBe(false)
    timed()
    await waiting
    expect(done).toBe(true)
  })

  it('asks for no frame before the list is painted', async () => {
    const frames: (() => void)[] = []
    void afterPaintOf(new Promise(() => {}), (callback) => frames.push(callback), undefined)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(frames).toHaveLength(0)
  })
})
