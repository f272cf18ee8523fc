import { afterEach, expect, it, vi } from 'vitest'
import type * as Origins from '../../src/crdt/authorship/record-origins.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import { until } from '../support/until.ts'
import { untilQuiet } from '../support/until-quiet.ts'
import { ChatWorld } from './chat-devices.ts'

// Counts the passes over a history that read something new (every RecordOrigins of the test).
const passes = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/crdt/authorship/record-origins.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof Origins>()
  class CountingOrigins extends actual.RecordOrigins {
    constructor(
      ...[map, fields, options = {}]: ConstructorParameters<typeof actual.RecordOrigins>
    ) {
      super(map, fields, {
        ...options,
        onRead: (origins) => {
          passes.count++
          options.onRead?.(origins)
        },
      })
    }
  }
  return { ...actual, RecordOrigins: CountingOrigins }
})

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

it("receipts coming in do not each make the shard's history be read", async () => {
  world = new ChatWorld()
  // The history is first read 50 ms after the shard, then caught up only a minute after changes.
  const [ann, bob, cy] = await world.devices(
    ['Ann', 'Bob', 'Cy'],
    {},
    {
      historyDelays: { originsMs: 60_000, sweepMs: 50 },
    },
  )
  const sent: ChatMessage[] = []
  for (let i = 0; i < 4; i++) {
    world.clock.t += 1000
    sent.push(await ann!.chat.send(`message ${i}`))
  }
  await until(
    () => sent.every((m) => ann!.chat.receipt(m.id)?.state === 'delivered'),
    'every message delivered to all',
  )
  // Every device's shard history was read (its first read, 50 ms after the shard).
  await untilQuiet(() => passes.count, "the histories' first reads")
  passes.count = 0

  // Receipts alone: Bob and Cy read the messages, and each device takes in their marks.
  for (const reader of [bob!, cy!]) reader.chat.markRead()
  await until(
    () => sent.every((m) => ann!.chat.receipt(m.id)?.state === 'read'),
    'every message read by all',
  )
  await until(
    () => sent.every((m) => bob!.chat.message(m.id) && cy!.chat.message(m.id)),
    'the others to hold every message',
  )
  expect(passes.count).toBe(0)
})
