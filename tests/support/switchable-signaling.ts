import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { SignalingEndpoint } from '../../src/peer/signaling/failover-signaling.ts'
import type {
  Signaling,
  SignalingEvents,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'

/** A signaling that opens or fails as the test says, with the peers the test puts in it. */
export class SwitchableSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly kind = 'relay'
  state: SignalingState = 'connecting'
  readonly topics = new Set<Topic>()
  present: PeerId[] = []
  constructor(readonly endpoint: string) {
    super()
  }
  set(state: SignalingState): void {
    this.state = state
    this.emit('state', state)
  }
  join(topic: Topic): void {
    this.topics.add(topic)
  }
  leave(topic: Topic): void {
    this.topics.delete(topic)
  }
  peers(): readonly PeerId[] {
    return this.present
  }
  connect(): Promise<DataPipe> {
    return Promise.reject(new Error('not in this test'))
  }
  close(): void {
    this.state = 'closed'
  }
}

/** Failover endpoints named `names`; `made` holds every signaling they created, in order. */
export function switchableEndpoints(names: string[]) {
  const made: SwitchableSignaling[] = []
  const list: SignalingEndpoint[] = names.map((name) => ({
    name,
    kind: 'relay',
    create: () => {
      const signaling = new SwitchableSignaling(name)
      made.push(signaling)
      return signaling
    },
  }))
  return { list, made }
}
