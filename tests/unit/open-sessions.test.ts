import { describe, expect, it } from 'vitest'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { OpenSessions } from '../../src/peer/signaling/open-sessions.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  SignalingKind,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { PendingPipe } from '../../src/peer/transport/simple-peer-pipe.ts'
import { randomPeerId } from '../contract/fixtures.ts'

// An open connection's later signals (ICE restart offers/answers) must still reach the peer
// when the signaling that made the connection is down: through the mesh (another carrier).

/** Two carriers of one kind joined to each other in memory. */
function carrierPair(kind: SignalingKind, a: PeerId, b: PeerId): [MemoryCarrier, MemoryCarrier] {
  const ca = new MemoryCarrier(kind, a)
  const cb = new MemoryCarrier(kind, b)
  ca.other = cb
  cb.other = ca
  return [ca, cb]
}

class MemoryCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly endpoint = 'memory'
  state: SignalingState = 'open'
  other: MemoryCarrier | undefined
  sent = 0
  constructor(
    readonly kind: SignalingKind,
    readonly self: PeerId,
  ) {
    super()
  }
  join(_topic: Topic): void {}
  leave(_topic: Topic): void {}
  peers(): readonly PeerId[] {
    return this.other ? [this.other.self] : []
  }
  send(_to: PeerId, data: unknown): void {
    if (this.state !== 'open') throw new Error('carrier is down')
    this.sent++
    const other = this.other
    const copy: unknown = JSON.parse(JSON.stringify(data))
    queueMicrotask(
      () => other?.state === 'open' && other.emit('signal', { from: this.self, data: copy }),
    )
  }
  close(): void {
    this.state = 'closed'
    this.emit('state', 'closed')
  }
}

/** A PendingPipe without WebRTC: opens on the first offer or answer; records what it got. */
class FakePending implements PendingPipe {
  readonly received: unknown[] = []
  readonly pipe: Promise<ReturnType<typeof createMemoryPipePair>[0]>
  #emit: ((data: unknown) => void) | undefined
  #open!: () => void
  constructor(readonly initiator: boolean) {
    const [pipe] = createMemoryPipePair()
    this.pipe = new Promise((resolve) => (this.#open = () => resolve(pipe)))
    if (initiator) queueMicrotask(() => this.emit({ type: 'offer', sdp: 'v=0 first' }))
  }
  emit(data: unknown): void {
    this.#emit?.(data)
  }
  signal(data: unknown): void {
    this.received.push(data)
    const type = (data as { type?: string }).type
    if (!this.initiator && type === 'offer' && this.received.length === 1) {
      this.emit({ type: 'answer', sdp: 'v=0 first' })
    }
    if (type === 'offer' || type === 'answer') this.#open()
  }
  onSignal(cb: (data: unknown) => void): void {
    this.#emit = cb
  }
  destroy(): void {}
}

function device(self: PeerId, sessions: OpenSessions | undefined, pendings: FakePending[]) {
  const options = {
    self,
    iceServers: [],
    log: () => {},
    signalBatchMs: 0, // signals go at once, so `settle` need not know the batching window
    createPipe: ({ initiator }: { initiator: boolean }) => {
      const pending = new FakePending(initiator)
      pendings.push(pending)
      return pending
    },
    ...(sessions ? { openSessions: sessions } : {}),
  }
  return (carrier: SignalCarrier) => createCarrierSignaling(carrier, options)
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('signals of an open connection when its signaling is down', () => {
  it('travel through another signaling (the mesh) to the same connection', async () => {
    const [a, b] = [randomPeerId(), randomPeerId()]
    const [pendingsA, pendingsB]: [FakePending[], FakePending[]] = [[], []]
    const [onA, onB] = [
      device(a, new OpenSessions(), pendingsA),
      device(b, new OpenSessions(), pendingsB),
    ]
    const [relayA, relayB] = carrierPair('relay', a, b)
    const [meshA, meshB] = carrierPair('mesh', a, b)
    const relaySignalingA = onA(relayA)
    const relaySignalingB = onB(relayB)
    onA(meshA)
    const meshSignalingB = onB(meshB)
    const newPipesOnB: unknown[] = []
    meshSignalingB.on('pipe', (pipe) => newPipesOnB.push(pipe))

    await relaySignalingA.connect(b)
    await settle()
    const [atA, atB] = [pendingsA[0]!, pendingsB[0]!]

    relaySignalingA.close() // the relay drops on both ends
    relaySignalingB.close()
    const restartOffer = { type: 'offer', sdp: 'v=0 restart' }
    atA.emit(restartOffer)
    await settle()
    expect(atB.received.at(-1)).toEqual(restartOffer)
    atB.emit({ type: 'answer', sdp: 'v=0 restart' })
    atB.emit({ renegotiate: true })
    await settle()
    expect(atA.received.slice(-2)).toEqual([
      { type: 'answer', sdp: 'v=0 restart' },
      { type: 'renegotiate', renegotiate: true },
    ])
    expect(meshA.sent + meshB.sent).toBe(3)
    // Handed to the open connection, not taken for a new one.
    expect(pendingsB).toHaveLength(1)
    expect(newPipesOnB).toHaveLength(0)
  })

  it('prefer a first-contact signaling that is up over the mesh', async () => {
    const [a, b] = [randomPeerId(), randomPeerId()]
    const [pendingsA, pendingsB]: [FakePending[], FakePending[]] = [[], []]
    const [onA, onB] = [
      device(a, new OpenSessions(), pendingsA),
      device(b, new OpenSessions(), pendingsB),
    ]
    const [relayA, relayB] = carrierPair('relay', a, b)
    const [meshA, meshB] = carrierPair('mesh', a, b)
    onA(meshA) // the mesh signaling comes first here, and must still come last
    onB(meshB)
    const first = onA(relayA)
    onB(relayB)
    const [secondA, secondB] = carrierPair('relay', a, b)
    await first.connect(b)
    await settle()
    first.close()
    onA(secondA) // the failover's next relay
    onB(secondB)
    pendingsA[0]!.emit({ type: 'offer', sdp: 'v=0 restart' })
    await settle()
    expect(pendingsB[0]!.received.at(-1)).toEqual({ type: 'offer', sdp: 'v=0 restart' })
    expect(secondA.sent).toBe(1)
    expect(meshA.sent).toBe(0)
  })

  it('of a manually paired connection go through a signaling, not back to a person', async () => {
    const [a, b] = [randomPeerId(), randomPeerId()]
    const [pendingsA, pendingsB]: [FakePending[], FakePending[]] = [[], []]
    const [onA, onB] = [
      device(a, new OpenSessions(), pendingsA),
      device(b, new OpenSessions(), pendingsB),
    ]
    const [manualA, manualB] = carrierPair('manual', a, b)
    const [relayA, relayB] = carrierPair('relay', a, b)
    const paired = onA(manualA)
    onB(manualB)
    onA(relayA)
    onB(relayB)
    await paired.connect(b)
    await settle()
    const manualSent = manualA.sent
    pendingsA[0]!.emit({ type: 'offer', sdp: 'v=0 restart' })
    await settle()
    expect(pendingsB[0]!.received.at(-1)).toEqual({ type: 'offer', sdp: 'v=0 restart' })
    expect(manualA.sent).toBe(manualSent)
    expect(relayA.sent).toBe(1)
  })
})
