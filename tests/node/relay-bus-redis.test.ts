import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import type { RelayBus } from '../../signaling/relay-bus.ts'
import { createRedisBus } from '../../signaling/redis-bus.ts'
import { relayBusContract } from '../contract/relay-bus-contract.ts'
import { randomPeerId, randomTopic } from '../contract/fixtures.ts'
import { until } from '../support/until.ts'
import { ensureRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts'

const binary = ensureRedisServer()
let redis: RedisServer | undefined
let buses: RelayBus[] = []

describe.skipIf(!binary)('with a real redis-server', () => {
  beforeAll(async () => {
    redis = await startRedisServer(binary!)
  })
  afterAll(async () => {
    await redis?.dispose()
  })

  relayBusContract('Redis', {
    async create(count) {
      const url = redis!.url
      buses = await Promise.all(
        Array.from({ length: count }, () => createRedisBus({ url, logger: silentLogger })),
      )
      return buses
    },
    async teardown() {
      await Promise.all(buses.splice(0).map((bus) => bus.close()))
    },
  })
})

describe.skipIf(!binary)('a Redis bus given hostile messages', () => {
  let server: RedisServer | undefined
  afterAll(async () => {
    await server?.dispose()
  })

  it('drops each malformed message with a log line and keeps delivering good ones', async () => {
    server = await startRedisServer(binary!)
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (line: string) => void warnings.push(line) }
    const bus = await createRedisBus({ url: server.url, logger })
    const writer = new Redis(server.url)
    try {
      const heard: unknown[] = []
      bus.attach({ room: (e) => heard.push(e), peer: (e) => heard.push(e), resync: () => {} })
      const [alice, bob] = [randomPeerId(), randomPeerId()]
      const room = randomTopic()
      await bus.join(room, alice)
      bus.claim(alice)
      await until(() => bus.state === 'up', 'the bus to be up')
      const roomChannel = `peerplace:relay:room:${room}`
      const peerChannel = `peerplace:relay:peer:${alice}`
      // claim() subscribes in the background, and Redis keeps nothing for a channel nobody
      // listens to: under load the first messages went out before the subscription was made.
      const listeners = async (channel: string): Promise<number> => {
        const reply = (await writer.call('PUBSUB', 'NUMSUB', channel)) as [string, number]
        return Number(reply[1])
      }
      await until(
        async () => (await listeners(peerChannel)) > 0 && (await listeners(roomChannel)) > 0,
        'the bus to listen on its room and peer channels',
      )
      const signal = { kind: 'signal', to: alice, from: bob, rooms: [room], data: '{"a":1}' }
      const envelope = (event: unknown): string => JSON.stringify({ v: 1, origin: 'x', event })
      const hostile: Array<[string, string]> = [
        [peerChannel, 'not json'],
        [peerChannel, '[]'],
        [peerChannel, JSON.stringify({ v: 2, origin: 'x', event: signal })],
        [peerChannel, '{"v":1,"origin":"x","event":' + '['.repeat(5000) + ']'.repeat(5000) + '}'],
        // Data that would break out of the frame it is spliced into.
        [peerChannel, envelope({ ...signal, data: '1},"type":"welcome","x":{' })],
        [peerChannel, envelope({ ...signal, data: '['.repeat(100) + ']'.repeat(100) })],
        [peerChannel, envelope({ ...signal, to: 'nobody' })],
        [peerChannel, envelope({ ...signal, rooms: ['bad room|'] })],
        [peerChannel, envelope({ kind: 'refused', to: alice, peer: bob, code: 'other' })],
        [peerChannel, envelope({ kind: 'launch', to: alice })],
        // A well-formed event on a channel that is not its own.
        [roomChannel, envelope(signal)],
        [peerChannel, envelope({ kind: 'joined', room, peer: bob })],
      ]
      for (const [channel, text] of hostile) await writer.publish(channel, text)
      await writer.publish(peerChannel, envelope(signal))
      await until(() => heard.length > 0, 'the good signal')
      expect(heard).toEqual([signal])
      expect(warnings).toHaveLength(hostile.length)
      for (const line of warnings) expect(line).toMatch(/^redis bus: dropped a/)
    } finally {
      writer.disconnect()
      await bus.close()
    }
  })
})
