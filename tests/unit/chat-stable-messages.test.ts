import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from '../support/until.ts'
import { ChatWorld } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

// The UI re-renders a message only when its object changes: a change elsewhere in the shard
// must keep the other messages' objects (and not validate them again), and their receipt views.
describe('chat message objects', () => {
  it('stay the same until their own stored message changes', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'])
    const first = await a!.chat.send('first')
    const second = await a!.chat.send('second')
    await until(() => b!.chat.message(second.id), 'B to see both')
    const before = { first: b!.chat.message(first.id)!, second: b!.chat.message(second.id)! }

    const third = await a!.chat.send('third')
    a!.chat.toggleReaction(first.id, '👍')
    await until(
      () => b!.chat.message(third.id) && b!.chat.message(first.id)!.reactions.length === 1,
      'B to see the new message and the reaction',
    )
    expect(b!.chat.message(second.id)).toBe(before.second)
    expect(b!.chat.message(first.id)).not.toBe(before.first)
    expect(b!.chat.message(first.id)!.reactions).toEqual([{ emoji: '👍', peers: [a!.peer] }])

    b!.chat.markRead()
    await until(() => a!.chat.receipt(third.id)!.state === 'read', 'B’s read receipt')
    expect(a!.chat.receipt(first.id)!.state).toBe('read')
    // So do receipt views, while what they say is unchanged.
    const receipt = a!.chat.receipt(first.id)
    await a!.chat.send('fourth')
    expect(a!.chat.receipt(first.id)).toBe(receipt)
  })

  it('keep their list while a change touches no message (a receipt arriving)', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'])
    const sent = await a!.chat.send('hello')
    await until(() => b!.chat.message(sent.id), 'B to see the message')
    await until(() => a!.chat.receipt(sent.id)!.state === 'delivered', 'B’s delivery receipt')
    const list = a!.chat.messages()
    b!.chat.markRead()
    await until(() => a!.chat.receipt(sent.id)!.state === 'read', 'B’s read receipt')
    expect(a!.chat.messages()).toBe(list)
    const next = await b!.chat.send('hi')
    await until(() => a!.chat.message(next.id), 'A to see the answer')
    expect(a!.chat.messages()).not.toBe(list)
    expect(a!.chat.messages().map((m) => m.text)).toEqual(['hello', 'hi'])
  })

  it('answer a receipt again without judging its marks while no receipt changed', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'])
    const sent = await a!.chat.send('hello')
    await until(() => b!.chat.message(sent.id), 'B to see the message')
    b!.chat.markRead()
    await until(() => a!.chat.receipt(sent.id)!.state === 'read', 'B’s read receipt')
    const view = a!.chat.receipt(sent.id)
    // A's own next message changes the shard (and writes no receipt of A's).
    const checks = vi.spyOn(a!.wp.authorship, 'check')
    await a!.chat.send('more')
    checks.mockClear()
    expect(a!.chat.receipt(sent.id)).toBe(view)
    expect(checks).not.toHaveBeenCalled()
    checks.mockRestore()
  })
})
