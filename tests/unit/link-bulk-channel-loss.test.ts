import { describe, expect, it } from 'vitest'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { until } from '../support/until.ts'

describe('a link whose bulk channel closes while it stays open', () => {
  it('sends a bulk payload that was waiting for the bulk channel on the main one', async () => {
    const [pipeA, pipeB] = createMemoryPipePair()
    const sides: DataPipe[] = []
    const open = pipeA.openSideChannel.bind(pipeA)
    pipeA.openSideChannel = async (label) => {
      const side = await open(label)
      sides.push(side)
      return side
    }
    const ids = await Promise.all([0, 1].map(() => loadOrCreateIdentity(createMemoryKeyStore())))
    // A high-water mark of one byte: the second payload waits while the first is in flight.
    const options = { log: () => {}, bulkHighWaterMark: 1 }
    const [a, b] = await Promise.all([
      createLink({ pipe: pipeA, identity: ids[0]!, options }),
      createLink({ pipe: pipeB, identity: ids[1]!, options }),
    ])
    await until(() => a.bulkChannel === 'open' && sides.length === 1, 'the bulk channel', 2000)
    const got: number[] = []
    b.on('message', ({ data }) => got.push(data[0]!))

    const first = a.sendBulk('files', Uint8Array.of(1))
    const second = a.sendBulk('files', Uint8Array.of(2))
    await first
    await until(() => got.length === 1, 'the first payload', 2000)
    // The bulk channel goes while the second payload waits in its queue; the link stays open.
    sides[0]!.close('bulk channel lost')
    await second
    await until(() => got.length === 2, 'the second payload', 2000)
    expect(got).toEqual([1, 2])
    expect(a.state).toBe('open')
    expect(a.bulkChannel).toBe('main')
    a.close()
  })
})
