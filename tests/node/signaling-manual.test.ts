import wrtc from '@roamhq/wrtc'
import { expect } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { encodeManualSignal } from '../../src/peer/signaling/manual-codec.ts'
import {
  createManualSignaling,
  type ManualSignaling,
} from '../../src/peer/signaling/manual-signaling.ts'
import { newSessionId } from '../../src/peer/signaling/signal-envelope.ts'
import { describeSignalingContract, next } from '../contract/signaling-contract.ts'
import { randomPeerId } from '../contract/fixtures.ts'

// The test plays the people who carry the codes between the two devices.
describeSignalingContract(
  'manual pairing codes',
  { presence: 'pairing', absentPeerBoundMs: 2000, glare: 'none' },
  () => {
    const adapters = new Map<PeerId, ManualSignaling>()
    const manual = (id: PeerId) => adapters.get(id)!
    return {
      async create(count, options) {
        return Array.from({ length: count }, () => {
          const id = randomPeerId()
          const signaling = createManualSignaling({
            self: id,
            iceServers: [],
            wrtc,
            connectTimeoutMs: options?.connectTimeoutMs ?? 3000,
            log: () => {},
          })
          adapters.set(id, signaling)
          return { id, signaling }
        })
      },
      async pair(a, b) {
        const atA = next(a.signaling, 'pipe', (e) => e.peer === b.id)
        const atB = next(b.signaling, 'pipe', (e) => e.peer === a.id)
        const offer = await manual(a.id).createOffer()
        const answer = await manual(b.id).acceptOffer(offer)
        await manual(a.id).acceptAnswer(answer)
        return [(await atA).pipe, (await atB).pipe]
      },
      async sendGarbage(target) {
        const signaling = manual(target.id)
        const otherId = randomPeerId()
        const other = createManualSignaling({
          self: otherId,
          iceServers: [],
          wrtc,
          log: () => {},
        })
        const offer = await other.createOffer()
        const answerToNothing = await encodeManualSignal({
          type: 'answer',
          from: otherId,
          sid: newSessionId(),
          sdp: 'v=0\r\n',
        })
        const brokenOffer = await encodeManualSignal({
          type: 'offer',
          from: randomPeerId(),
          sid: newSessionId(),
          sdp: 'v=0\r\nnonsense\r\n',
        })
        await expect(signaling.acceptOffer('hello')).rejects.toThrow(/not a Peerplace pairing code/)
        await expect(signaling.acceptAnswer('pp1.AAAA')).rejects.toThrow(/damaged/)
        await expect(signaling.acceptAnswer(offer)).rejects.toThrow(/offer code/)
        await expect(signaling.acceptAnswer(answerToNothing)).rejects.toThrow(/open offer/)
        await expect(signaling.acceptOffer(brokenOffer)).rejects.toThrow()
        const own = await signaling.createOffer()
        await expect(signaling.acceptOffer(own)).rejects.toThrow(/your own/)
        other.close()
      },
      async teardown() {
        for (const adapter of adapters.values()) adapter.close()
      },
    }
  },
)
