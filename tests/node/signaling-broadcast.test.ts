import wrtc from '@roamhq/wrtc'
import { expect } from 'vitest'
import { createBroadcastCarrier } from '../../src/peer/signaling/broadcast-carrier.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { newSessionId } from '../../src/peer/signaling/signal-envelope.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { delay, randomPeerId } from '../contract/fixtures.ts'

// Node's global BroadcastChannel links every instance of a name in the process, as tabs are.
describeSignalingContract(
  'carrier connector over BroadcastChannel',
  { presence: 'topic', absentPeerBoundMs: 2000, glare: 'one-pipe' },
  () => {
    const channelName = `peerplace-test-${newSessionId()}`
    const logs = new Map<string, string[]>()
    return {
      async create(count, options) {
        return Array.from({ length: count }, () => {
          const id = randomPeerId()
          const log = (message: string) => logs.get(id)?.push(message)
          logs.set(id, [])
          const carrier = createBroadcastCarrier({ self: id, channelName, heartbeatMs: 100, log })
          const signaling = createCarrierSignaling(carrier, {
            self: id,
            iceServers: [],
            wrtc,
            connectTimeoutMs: options?.connectTimeoutMs ?? 3000,
            log,
          })
          return { id, signaling }
        })
      },
      async sendGarbage(target) {
        const channel = new BroadcastChannel(channelName)
        const from = randomPeerId()
        const sid = newSessionId()
        const signal = (data: unknown) => ({ v: 1, t: 'signal', from, to: target.id, data })
        for (const message of [
          'text',
          null,
          { v: 2, t: 'hello', from, topics: [] },
          { v: 1, t: 'hello', from, topics: ['no spaces allowed'] },
          { v: 1, t: 'signal', from: 'not-a-peer', to: target.id, data: {} },
          signal('x'.repeat(100_000)),
          signal({ v: 1, kind: 'rtc', sid: 'short', data: {} }),
          signal({ v: 1, kind: 'rtc', sid, data: { type: 'answer', sdp: 'v=0\r\n' } }),
          signal({ v: 1, kind: 'rtc', sid, data: { type: 'offer', sdp: 'v=0\r\nnonsense\r\n' } }),
          signal({
            v: 1,
            kind: 'rtc',
            sid,
            data: { candidate: { candidate: 'bad', sdpMid: '0' } },
          }),
          signal({ v: 1, kind: 'bye', sid, reason: 42 }),
        ]) {
          channel.postMessage(message)
        }
        await delay(300)
        channel.close()
        const dropped = logs.get(target.id) ?? []
        expect(dropped.filter((m) => m.startsWith('dropped a message')).length).toBe(6)
        expect(
          dropped.filter((m) => m.startsWith('dropped a signal')).length,
        ).toBeGreaterThanOrEqual(2)
      },
      async teardown() {},
    }
  },
)
