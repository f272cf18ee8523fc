import { describe, expect, it } from 'vitest'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { tapPipe } from '../support/tap-pipe.ts'

// A tab or process whose own thread was busy for longer than the offline timeout must not
// call its peers silent: their heartbeats from meanwhile wait in the queue behind the timer.
// (A CPU-starved process of 16 devices dropped every link this way, then redialled them all.)

const newIdentity = (): Promise<Identity> => loadOrCreateIdentity(createMemoryKeyStore())

function busyFor(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // the thread is stalled, as by a long task
  }
}

/**
 * What the peer sends arrives as network input does: after the timers that fell due (Node runs
 * expired timers before I/O; setImmediate runs after both), not in the sender's own turn.
 */
function arrivingAsInput(inner: DataPipe): DataPipe {
  const pipe = tapPipe(inner).pipe
  pipe.send = (data) => {
    const copy = data.slice()
    setImmediate(() => inner.isOpen && inner.send(copy))
  }
  return pipe
}

describe('a link across a stall of its own thread', () => {
  it('stays open when the peer was speaking all along', async () => {
    const options = { log: () => {}, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    const [pa, pb] = createMemoryPipePair()
    const ids = await Promise.all([newIdentity(), newIdentity()])
    const [a, b] = await Promise.all([
      createLink({ pipe: pa, identity: ids[0]!, options }),
      createLink({ pipe: arrivingAsInput(pb), identity: ids[1]!, options }),
    ])
    const closes: string[] = []
    a.on('close', ({ reason }) => closes.push(`a ${reason}`))
    b.on('close', ({ reason }) => closes.push(`b ${reason}`))
    await new Promise((resolve) => setTimeout(resolve, 200))
    busyFor(1000)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(closes).toEqual([])
    expect(a.state).toBe('open')
    expect(b.state).toBe('open')
    a.close('test over')
  })
})
