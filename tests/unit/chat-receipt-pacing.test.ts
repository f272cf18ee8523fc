import { afterEach, expect, it } from 'vitest'
import * as Automerge from '@automerge/automerge'
import { until } from '../support/until.ts'
import { ChatWorld, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const MESSAGES = 15
const GAP_MS = 30
const INTERVAL_MS = 300

it('a busy chat writes receipts at most once per interval, and the last one still goes out', async () => {
  world = new ChatWorld()
  const [ann, bob] = await world.devices(
    ['Ann', 'Bob'],
    {},
    {
      receiptDelayMs: 5,
      receiptIntervalMs: INTERVAL_MS,
    },
  )
  const started = performance.now()
  let last
  for (let i = 0; i < MESSAGES; i++) {
    last = await ann!.chat.send(`message ${i}`)
    await new Promise((resolve) => setTimeout(resolve, GAP_MS))
  }
  const lastId = last!.id
  await until(() => ann!.chat.receipt(lastId)?.state === 'delivered', 'the last one delivered')
  const took = performance.now() - started

  const shard = await shardHandle(bob!, ann!.chat.message(lastId)!.shard)
  const bobActor = Automerge.getActorId(shard.doc()!)
  const receipts = Automerge.getAllChanges(shard.doc()!)
    .map((change) => Automerge.decodeChange(change))
    .filter((change) => change.actor === bobActor)
  // One write at the start of the burst, then one per interval; without pacing Bob wrote one
  // change per message.
  expect(receipts.length).toBeGreaterThan(0)
  expect(receipts.length).toBeLessThanOrEqual(Math.ceil(took / INTERVAL_MS) + 1)
  expect(receipts.length).toBeLessThan(MESSAGES / 2)
})
