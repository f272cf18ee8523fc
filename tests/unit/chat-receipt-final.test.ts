import { afterEach, expect, it, vi } from 'vitest'
import type * as Receipts from '../../src/crdt/chat/receipts.ts'
import { until } from '../support/until.ts'
import { ChatWorld } from './chat-devices.ts'

// Counts the receipt views worked out, per message.
const worked = vi.hoisted(() => new Map<string, number>())
vi.mock('../../src/crdt/chat/receipts.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof Receipts>()
  return {
    ...actual,
    receiptOf: (...args: Parameters<typeof actual.receiptOf>) => {
      worked.set(args[0].id, (worked.get(args[0].id) ?? 0) + 1)
      return actual.receiptOf(...args)
    },
  }
})

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

it('a message read by everyone is not worked out again as receipts for later ones come in', async () => {
  world = new ChatWorld()
  const [ann, bob, cy] = await world.devices(['Ann', 'Bob', 'Cy'])
  const first = await ann!.chat.send('first')
  for (const reader of [bob!, cy!]) {
    await until(() => reader.chat.message(first.id), `${reader.name} to have the first`)
    reader.chat.markRead()
  }
  await until(() => ann!.chat.receipt(first.id)?.state === 'read', 'the first read by all')
  const view = ann!.chat.receipt(first.id)
  const before = worked.get(first.id) ?? 0
  // Each later message brings Bob's and Cy's receipts for it: the shard's marks change each time.
  for (let i = 0; i < 4; i++) {
    world.clock.t += 1000
    const next = await ann!.chat.send(`later ${i}`)
    for (const reader of [bob!, cy!]) {
      await until(() => reader.chat.message(next.id), `${reader.name} to have message ${i}`)
      reader.chat.markRead()
    }
    await until(() => ann!.chat.receipt(next.id)?.state === 'read', `message ${i} read by all`)
    expect(ann!.chat.receipt(first.id)).toEqual(view)
  }
  expect(worked.get(first.id) ?? 0).toBe(before)
})
