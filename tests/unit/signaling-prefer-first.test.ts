import { describe, expect, it } from 'vitest'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createFailoverSignaling } from '../../src/peer/signaling/failover-signaling.ts'
import { FakeClock } from '../support/fake-clock.ts'
import { switchableEndpoints } from '../support/switchable-signaling.ts'

// A device that fell back to a later endpoint (the relay was down, the broker answered) goes
// back to the first once it answers again: otherwise devices that came online during the
// outage stay on the broker, and those that came later, on the relay, never meet them.

const TOPIC = 'topic-1' as Topic
const PEER = 'p'.repeat(32) as PeerId

describe('failover signaling after the first endpoint returns', () => {
  it('tries the first again while on a later one, and moves back once it opens', () => {
    const clock = new FakeClock()
    const { list, made } = switchableEndpoints(['relay', 'broker'])
    const failover = createFailoverSignaling({ endpoints: list, clock, preferredRetryMs: 1000 })
    failover.join(TOPIC)
    made[0]!.set('closed') // the relay is down: the broker is tried
    made[1]!.present = [PEER]
    made[1]!.set('open')
    expect(failover.endpoint).toBe('broker')
    expect(failover.peers(TOPIC)).toEqual([PEER])

    clock.advance(1000) // the relay is tried again, beside the broker
    expect(made).toHaveLength(3)
    expect(failover.endpoint).toBe('broker')
    made[2]!.set('closed') // still down
    expect(failover.endpoint).toBe('broker')

    clock.advance(1000)
    expect(made).toHaveLength(4)
    const left: PeerId[] = []
    failover.on('peer-left', ({ peer }) => left.push(peer))
    made[3]!.set('open') // back
    expect(failover.endpoint).toBe('relay')
    expect(failover.state).toBe('open')
    expect(made[1]!.state).toBe('closed')
    expect(made[3]!.topics.has(TOPIC)).toBe(true)
    expect(left).toEqual([PEER]) // seen through the broker, not yet through the relay

    clock.advance(5000) // on the first endpoint: no more tries
    expect(made).toHaveLength(4)
    failover.close()
  })
})
