import { describe, expect, it } from 'vitest'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import {
  createFailoverSignaling,
  type SignalingEndpoint,
} from '../../src/peer/signaling/failover-signaling.ts'
import type {
  Signaling,
  SignalingEvents,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import { SignalingView } from '../../src/peer/signaling/signaling-view.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { signalingWords } from '../../src/ui/signaling-words.ts'

// When no signaling endpoint answers, the app says so (and offers pairing) rather than
// "Connecting…" for ever.

/** An endpoint whose signalings open or fail as the test says. */
class Switchable extends Emitter<SignalingEvents> implements Signaling {
  readonly kind = 'relay'
  state: SignalingState = 'connecting'
  constructor(readonly endpoint: string) {
    super()
  }
  set(state: SignalingState): void {
    this.state = state
    this.emit('state', state)
  }
  join(_topic: Topic): void {}
  leave(_topic: Topic): void {}
  peers(): readonly PeerId[] {
    return []
  }
  connect(): Promise<DataPipe> {
    return Promise.reject(new Error('not in this test'))
  }
  close(): void {
    this.state = 'closed'
  }
}

function endpoints(names: string[]) {
  const made: Switchable[] = []
  const list: SignalingEndpoint[] = names.map((name) => ({
    name,
    kind: 'relay',
    create: () => {
      const signaling = new Switchable(name)
      made.push(signaling)
      return signaling
    },
  }))
  return { list, made }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('no signaling endpoint answers', () => {
  it('is known once every endpoint failed, and forgotten once one opens', async () => {
    const { list, made } = endpoints(['relay one', 'relay two'])
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
