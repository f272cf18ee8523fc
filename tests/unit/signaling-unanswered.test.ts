import { describe, expect, it } from 'vitest'
import { createFailoverSignaling } from '../../src/peer/signaling/failover-signaling.ts'
import { SignalingView } from '../../src/peer/signaling/signaling-view.ts'
import type { SignalingState } from '../../src/peer/signaling/signaling.ts'
import { signalingWords } from '../../src/ui/signaling-words.ts'
import { switchableEndpoints } from '../support/switchable-signaling.ts'

// When no signaling endpoint answers, the app says so (and offers pairing) rather than
// "Connecting…" for ever.

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('no signaling endpoint answers', () => {
  it('is known once every endpoint failed, and forgotten once one opens', async () => {
    const { list, made } = switchableEndpoints(['relay one', 'relay two'])
    const failover = createFailoverSignaling({
      endpoints: list,
      backoff: { initialMs: 20, maxMs: 20 },
    })
    const view = new SignalingView({ endpoint: 'relay one', kind: 'relay' })
    view.follow(failover)
    const states: SignalingState[] = []
    view.on('state', (state) => states.push(state))
    expect(view.unanswered).toBe(false)
    made[0]!.set('closed') // the first fails: the second is tried at once
    expect(view.unanswered).toBe(false)
    made[1]!.set('closed') // a whole round failed
    expect(view.unanswered).toBe(true)
    expect(view.endpointCount).toBe(2)
    expect(states.at(-1)).toBe('connecting')
    expect(signalingWords(view)).toMatchObject({ key: 'unanswered', label: 'No server answers' })
    expect(signalingWords(view).detail).toMatch(/None of the 2 servers answers/)

    const deadline = Date.now() + 2000
    while (made.length < 3) {
      if (Date.now() > deadline) throw new Error('waiting for the next round to try relay one')
      await tick()
    }
    expect(view.unanswered, 'still none answers while the next round runs').toBe(true)
    made[2]!.set('open')
    expect(view.unanswered).toBe(false)
    expect(signalingWords(view)).toMatchObject({ key: 'connected' })
    failover.close()
  })

  it('still says "Connecting…" while an endpoint is being tried for the first time', () => {
    expect(signalingWords({ state: 'connecting', unanswered: false })).toMatchObject({
      key: 'connecting',
    })
    expect(signalingWords({ state: 'connecting', unanswered: true }).detail).toMatch(
      /The server does not answer/,
    )
  })
})
