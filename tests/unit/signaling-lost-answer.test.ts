import { describe, expect, it } from 'vitest'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { PendingPipe } from '../../src/peer/transport/simple-peer-pipe.ts'
import { randomPeerId } from '../contract/fixtures.ts'

// A dial whose offer is lost on the way (a forwarding member left, the relay dropped it) gives
// up after a short wait for the answer, so the next try comes in seconds, not after the whole
// connect timeout.

/** Carries signals to `other`; drops the next `lose` of them. */
class LossyCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly kind = 'mesh'
  readonly endpoint = 'lossy'
  readonly state: SignalingState = 'open'
  other: LossyCarrier | undefined
  lose = 0
  constructor(readonly self: PeerId) {
    super()
  }
  join(_topic: Topic): void {}
  leave(_topic: Topic): void {}
  peers(): readonly PeerId[] {
    return []
  }
  send(_to: PeerId, data: unknown): void {
    if (this.lose > 0) {
      this.lose--
      return
    }
    const copy: unknown = JSON.parse(JSON.stringify(data))
    queueMicrotask(() => this.other?.emit('signal', { from: this.self, data: copy }))
  }
  close(): void {}
}

/** Opens once it has an offer or an answer; the answerer answers the offer. */
function fakePending(initiator: boolean): PendingPipe {
  const [pipe] = createMemoryPipePair()
  let emit: (data: unknown) => void = () => {}
  let open!: () => void
  const opened = new Promise<typeof pipe>((resolve) => (open = () => resolve(pipe)))
  if (initiator) queueMicrotask(() => emit({ type: 'offer', sdp: 'v=0 offer' }))
  return {
    pipe: opened,
    signal(data) {
      const type = (data as { type?: string }).type
      if (!initiator && type === 'offer') emit({ type: 'answer', sdp: 'v=0 answer' })
      if (type === 'offer' || type === 'answer') open()
    },
    onSignal: (cb) => (emit = cb),
    destroy() {},
  }
}

describe('a dial whose offer is lost', () => {
  it('fails after the answer timeout, not the connect timeout, and the retry connects', async () => {
    const [a, b] = [randomPeerId(), randomPeerId()]
    const [ca, cb] = [new LossyCarrier(a), new LossyCarrier(b)]
    ca.other = cb
    cb.other = ca
    const options = {
      iceServers: [],
      log: () => {},
      connectTimeoutMs: 20_000,
      answerTimeoutMs: 300,
      createPipe: ({ initiator }: { initiator: boolean }) => fakePending(initiator),
    }
    const ann = createCarrierSignaling(ca, { ...options, self: a })
    createCarrierSignaling(cb, { ...options, self: b })

    ca.lose = 1
    const started = performance.now()
    await expect(ann.connect(b)).rejects.toThrow(/no answer from .* within 300 ms/)
    expect(performance.now() - started).toBeLessThan(5000)

    const pipe = await ann.connect(b)
    expect(pipe).toBeDefined()
  })
})
