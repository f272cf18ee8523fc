import { afterEach, expect, it } from 'vitest'
import type { Claim } from '../../src/peer/identity/record-proof.ts'
import { readMark } from '../../src/crdt/chat/receipts.ts'
import { until } from '../support/until.ts'
import { ChatWorld, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

it('a receipt signed late does not write over a newer one signed meanwhile', async () => {
  world = new ChatWorld()
  const [ann, bob] = await world.devices(['Ann', 'Bob'])
  // Bob's first delivered mark for Ann is signed only after a later one is written.
  const sign = bob!.wp.authorship.sign.bind(bob!.wp.authorship)
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let holding = false
  bob!.wp.authorship.sign = async (claim: Omit<Claim, 'peer'>) => {
    if (claim.key === `delivered/${ann!.peer}` && !holding) {
      holding = true
      await held
    }
    return sign(claim)
  }
  try {
    const one = await ann!.chat.send('one')
    await until(() => bob!.chat.message(one.id), 'Bob to have the first')
    // Bob's receipts are paced: the second message must come only once the mark for the first
    // is being signed, or both go out as one mark (the one held).
    await until(() => holding, 'Bob to sign his mark for the first')
    world.clock.t += 1000
    const two = await ann!.chat.send('two')
    const shard = await shardHandle(bob!, two.shard)
    const stored = () => readMark(shard.doc(), 'delivered', bob!.peer, ann!.peer)
    await until(() => stored() === two.hlc, 'Bob’s mark for the second')
    release()
    await bob!.chat.close()
    expect(stored()).toBe(two.hlc)
  } finally {
    release()
  }
})
