/**
 * The signaling contract, with real WebRTC (@roamhq/wrtc), over two relay instances that share
 * only a real redis-server: adapters alternate between the instances, so the peers of each
 * test meet, signal and link across them.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { ensureRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts'
import { relaySignalingHarness } from './relay-signaling-harness.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const binary = ensureRedisServer()

describe.skipIf(!binary)('two relay instances sharing a redis-server', () => {
  let redis: RedisServer | undefined
  beforeAll(async () => {
    redis = await startRedisServer(binary!)
  })
  afterAll(async () => {
    await redis?.dispose()
  })

  describeSignalingContract(
    'carrier connector across relay instances',
    { presence: 'topic', absentPeerBoundMs: 2000, glare: 'one-pipe' },
    () => {
      let servers: Promise<SignalingServer[]> | undefined
      const start = (): Promise<SignalingServer> =>
        createSignalingServer({ port: 0, logger: quiet, peerjs: false, redisUrl: redis!.url })
      return relaySignalingHarness(
        async () => (await (servers ??= Promise.all([start(), start()]))).map((s) => s.relayUrl),
        async () => {
          const running = await servers
          servers = undefined
          await Promise.all(running?.map((server) => server.close()) ?? [])
        },
      )
    },
  )
})
