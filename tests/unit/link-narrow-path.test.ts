import { describe, expect, it } from 'vitest'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import { decodeFrame } from '../../src/peer/link/link-protocol.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import { narrowPipe } from '../support/narrow-pipe.ts'
import { until } from '../support/until.ts'

// A link whose path is narrow (mobile data): a long message, such as a late joiner's catch-up
// of a big document, takes seconds to cross. What is sent meanwhile on other channels (a chat
// push, presence) and the heartbeats must not wait for all of it.

const newIdentity = (): Promise<Identity> => loadOrCreateIdentity(createMemoryKeyStore())
/** 400 kB/s: a 1.2 MB message takes 3 s. */
const RATE = 400_000
const LONG = 1_200_000

async function narrowPair(): Promise<{
  a: AuthenticatedLink
  b: AuthenticatedLink
  pingsAtB: number[]
}> {
  const [pa, pb] = createMemoryPipePair()
  const ids = await Promise.all([newIdentity(), newIdentity()])
  const options = { log: () => {}, heartbeatIntervalMs: 100 }
  const [a, b] = await Promise.all([
    createLink({ pipe: narrowPipe(pa, { bytesPerSecond: RATE }), identity: ids[0]!, options }),
    createLink({ pipe: pb, identity: ids[1]!, options }),
  ])
  const pingsAtB: number[] = []
  pb.on('message', (bytes) => {
    const decoded = decodeFrame(bytes)
    if (decoded.ok && decoded.frame.type === 'ping') pingsAtB.push(performance.now())
  })
  return { a, b, pingsAtB }
}

/** When each message arrived at `link`, by its first byte, in ms since `start`. */
function arrivals(link: AuthenticatedLink, start: number): Map<number, number> {
  const at = new Map<number, number>()
  link.on('message', ({ data }) => at.set(data[0]!, performance.now() - start))
  return at
}

describe('a link on a narrow path', () => {
  it('delivers short messages of other channels while a long one is still crossing', async () => {
    const { a, b } = await narrowPair()
    const start = performance.now()
    const at = arrivals(b, start)
    a.send('am1', new Uint8Array(LONG).fill(1), 'contacts')
    a.send('am1', new Uint8Array(300).fill(2), 'chat')
    a.send('mesh.presence', new Uint8Array(200).fill(3))
    // Behind the long message in its own order: waits for it.
    a.send('am1', new Uint8Array(300).fill(4), 'contacts')
    await until(() => at.has(4), 'the long message to arrive', 15_000)
    expect(at.get(1)).toBeGreaterThan(2_000)
    // Each short one within a few frames' time, not after the 3 s of the long one.
    expect(at.get(2)).toBeLessThan(500)
    expect(at.get(3)).toBeLessThan(500)
    expect(at.get(4)).toBeGreaterThanOrEqual(at.get(1)!)
    a.close()
    b.close()
  }, 20_000)

  it('keeps heartbeats going while the path is full', async () => {
    const { a, b, pingsAtB } = await narrowPair()
    const start = performance.now()
    const at = arrivals(b, start)
    a.send('am1', new Uint8Array(LONG).fill(1))
    await until(() => at.has(1), 'the long message to arrive', 15_000)
    const during = pingsAtB.filter((t) => t >= start && t <= start + at.get(1)!)
    // One every 100 ms, each late by a frame's time at most. Without lanes and a budget the
    // pipe held the whole message: they waited seconds behind it.
    expect(during.length).toBeGreaterThan(10)
    const gaps = during.slice(1).map((t, i) => t - during[i]!)
    expect(Math.max(...gaps)).toBeLessThan(400)
    a.close()
    b.close()
  }, 20_000)
})
