import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { createBroadcastCarrier } from '../../src/peer/signaling/broadcast-carrier.ts'
import { createRelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import { newSessionId } from '../../src/peer/signaling/signal-envelope.ts'
import { describeCarrierContract } from '../contract/carrier-contract.ts'
import { delay, randomPeerId, randomTopic, testIdentity, until } from '../contract/fixtures.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describeCarrierContract('relay', () => {
  let server: SignalingServer | undefined
  return {
    async create(count) {
      server ??= await createSignalingServer({ port: 0, logger: quiet })
      const url = server.relayUrl
      return Promise.all(
        Array.from({ length: count }, async () => {
          const identity = await testIdentity()
          return { id: identity.peerId, carrier: createRelayCarrier({ url, identity, WebSocket }) }
        }),
      )
    },
    async teardown() {
      await server?.close()
    },
  }
})

describeCarrierContract('BroadcastChannel', () => {
  const channelName = `peerplace-test-${newSessionId()}`
  const logs = new Map<string, string[]>()
  return {
    async create(count) {
      return Array.from({ length: count }, () => {
        const id = randomPeerId()
        const log: string[] = []
        logs.set(id, log)
        const carrier = createBroadcastCarrier({
          self: id,
          channelName,
          heartbeatMs: 2000, // slower than the contract's departure bound: bye must do it
          log: (message) => log.push(message),
        })
        return { id, carrier }
      })
    },
    async sendGarbage(target) {
      const channel = new BroadcastChannel(channelName)
      for (const message of [undefined, 1, [], { v: 1 }, { v: 1, t: 'signal', from: 'x' }]) {
        channel.postMessage(message)
      }
      channel.postMessage({ v: 1, t: 'signal', from: randomPeerId(), to: target.id, data: 1n })
      await delay(200)
      channel.close()
      expect(logs.get(target.id)?.length).toBe(6)
    },
    async teardown() {},
  }
})

describe('BroadcastChannel presence', () => {
  it('drops a tab that stops sending heartbeats, even without a bye', async () => {
    const channelName = `peerplace-test-${newSessionId()}`
    const topic = randomTopic()
    const self = randomPeerId()
    const carrier = createBroadcastCarrier({ self, channelName, heartbeatMs: 50 })
    const left: unknown[] = []
    carrier.on('peer-left', (event) => left.push(event))
    carrier.join(topic)
    // A tab that announces itself, then crashes: no heartbeat, no bye.
    const tab = randomPeerId()
    const channel = new BroadcastChannel(channelName)
    // Timed from the announcement, not from when the test saw the tab appear: on a busy
    // machine that came late, and the drop (rightly timed from the announcement) looked early.
    const announced = Date.now()
    channel.postMessage({ v: 1, t: 'announce', from: tab, topics: [topic] })
    await until(() => carrier.peers(topic).includes(tab), 'the tab to appear')
    await until(() => left.length === 1, 'the tab to time out', 2000)
    expect(Date.now() - announced).toBeGreaterThanOrEqual(150)
    expect(left).toEqual([{ topic, peer: tab }])
    channel.close()
    carrier.close()
  })
})
