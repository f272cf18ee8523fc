import { describe, expect, it } from 'vitest'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { until } from '../support/until.ts'

/** `pipe`, reporting a full buffer while `held.full` (as a data channel under backpressure). */
function backpressured(pipe: DataPipe, held: { full: boolean }): DataPipe {
  return new Proxy(pipe, {
    get(target, property) {
      // A closed channel's buffer counts as empty (ChannelPipe's does).
      if (property === 'bufferedAmount') {
        return held.full && target.isOpen ? Infinity : target.bufferedAmount
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

describe('a link whose bulk channel closes while it stays open', () => {
  it('sends a bulk payload that was waiting for the bulk channel on the main one', async () => {
    const [pipeA, pipeB] = createMemoryPipePair()
    const held = { full: false }
    const sides: DataPipe[] = []
    const open = pipeA.openSideChannel.bind(pipeA)
    pipeA.openSideChannel = async (label) => {
      const side = await open(label)
      sides.push(side)
      return backpressured(side, held)
    }
    const ids = await Promise.all([0, 1].map(() => loadOrCreateIdentity(createMemoryKeyStore())))
    const options = { log: () => {} }
    const [a, b] = await Promise.all([
      createLink({ pipe: pipeA, identity: ids[0]!, options }),
      createLink({ pipe: pipeB, identity: ids[1]!, options }),
    ])
    await until(() => a.bulkChannel === 'open' && sides.length === 1, 'the bulk channel', 2000)
    const got: number[] = []
    b.on('message', ({ data }) => got.push(data[0]!))

    // The payload waits in the bulk channel's queue when the channel goes; the link stays open.
    held.full = true
    const sending = a.sendBulk('files', Uint8Array.of(7))
    sides[0]!.close('bulk channel lost')
    await sending
    await until(() => got.length === 1, 'the payload', 2000)
    expect(got).toEqual([7])
    expect(a.state).toBe('open')
    expect(a.bulkChannel).toBe('main')
    a.close()
  })
})
