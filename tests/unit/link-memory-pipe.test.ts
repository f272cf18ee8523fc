import { describe, expect, it } from 'vitest'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'

describe('createMemoryPipePair', () => {
  it('delivers in order on microtasks, with crossed fingerprints', async () => {
    const [a, b] = createMemoryPipePair()
    const seen: number[] = []
    b.on('message', (data) => seen.push(data[0] ?? -1))
    a.send(new Uint8Array([1]))
    a.send(new Uint8Array([2]))
    expect(seen).toEqual([])
    expect(a.bufferedAmount).toBe(2)
    await Promise.resolve()
    await Promise.resolve()
    expect(seen).toEqual([1, 2])
    expect(a.bufferedAmount).toBe(0)
    expect(a.fingerprints.local).toBe(b.fingerprints.remote)
    expect(a.fingerprints.remote).toBe(b.fingerprints.local)
  })

  it('closes on an oversized message, and the far end learns of it', async () => {
    const [a, b] = createMemoryPipePair({ maxMessageSize: 10 })
    const closed = new Promise<{ reason: string }>((resolve) => b.on('close', resolve))
    a.send(new Uint8Array(11))
    expect(a.isOpen).toBe(false)
    expect((await closed).reason).toBe('remote closed')
  })

  it('opens side channels when both ends ask and closes them with the connection', async () => {
    const [a, b] = createMemoryPipePair()
    const [sideA, sideB] = await Promise.all([a.openSideChannel('bulk'), b.openSideChannel('bulk')])
    const got = new Promise<Uint8Array>((resolve) => sideB.on('message', resolve))
    sideA.send(new Uint8Array([5]))
    expect(await got).toEqual(new Uint8Array([5]))
    a.close()
    expect(sideA.isOpen || sideB.isOpen).toBe(false)
  })
})
