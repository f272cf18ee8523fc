import { afterEach, describe, expect, it, vi } from 'vitest'
import { JoinFlow } from '../../src/crdt/workplace/join-flow.ts'
import type { Workplaces } from '../../src/crdt/workplace/workplaces.ts'
import type { MeshPort } from '../../src/peer/mesh/mesh-port.ts'
import type { PeerId } from '../../src/peer/ids.ts'

// The join flow asks the peers it can reach again every few seconds until someone answers. It
// used to run that timer from start to close, joining nothing: every device woke for it.

afterEach(() => {
  vi.useRealTimers()
})

/** A device that reaches nobody: a join waits until it gives up. */
function flowAlone(now: () => number) {
  const self = 's'.repeat(52) as PeerId
  const mesh = {
    self,
    onMessage: () => () => {},
    presence: { onLinkChange: () => () => {}, linkedPeers: () => [] },
    join: () => {},
    leave: () => {},
    setGroup: () => {},
    send: () => false,
  } as unknown as MeshPort
  const workplaces = { get: () => undefined } as unknown as Workplaces
  return new JoinFlow({
    workplaces,
    mesh,
    displayName: () => 'Ann',
    clock: now,
    retryMs: 1000,
    giveUpAfterMs: 10_000,
  })
}

describe('the join flow’s retry timer', () => {
  it('runs only while a join is connecting or asking', () => {
    vi.useFakeTimers()
    const flow = flowAlone(() => Date.now())
    expect(vi.getTimerCount(), 'joining nothing: no timer').toBe(0)

    const link = { workplace: 'w1', name: 'Acme', peers: ['p'.repeat(52) as PeerId], endpoints: [] }
    flow.start(link)
    expect(flow.status('w1')?.state).toBe('asking')
    expect(vi.getTimerCount()).toBe(1)
    // Nobody reached: it gives up after ten seconds, and the timer goes with it.
    vi.advanceTimersByTime(11_000)
    expect(flow.status('w1')?.state).toBe('cancelled')
    expect(vi.getTimerCount()).toBe(0)

    // Tried again: the timer is back until this one stops too; after close, none.
    flow.retry('w1')
    expect(flow.status('w1')?.state).toBe('asking')
    expect(vi.getTimerCount()).toBe(1)
    flow.cancel('w1')
    vi.advanceTimersByTime(1000)
    expect(vi.getTimerCount()).toBe(0)
    flow.retry('w1')
    flow.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})
