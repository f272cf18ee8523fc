import { describe, expect, it } from 'vitest'
import { createMemoryDirectStore } from '../../src/direct/direct-store.ts'
import { Outbox } from '../../src/direct/outbox.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { DirectWire } from '../../src/direct/direct-protocol.ts'
import { FakeClock } from '../support/fake-clock.ts'

// The direct outbox keeps messages until the other device acks them, and sends them again now
// and then. It used to look every few seconds from start to close, with nothing waiting: a timer
// that woke every idle device (and every keeper) for nothing.

const BOB = 'b'.repeat(52) as PeerId

function outboxWith(clock: FakeClock) {
  const sent: DirectWire[] = []
  let linked = false
  const links = {
    linked: () => linked,
    send: (_peer: PeerId, wire: DirectWire) => {
      if (!linked) return false
      sent.push(wire)
      return true
    },
  }
  const store = createMemoryDirectStore()
  const outbox = new Outbox({ store, links, clock, retryMs: 5000 })
  return { outbox, store, sent, link: (up: boolean) => (linked = up) }
}

const text = (id: string) => ({ t: 'text' as const, id, at: 1, text: `message ${id}` })

describe('the direct outbox’s retry timer', () => {
  it('is set only while messages wait for their ack', async () => {
    const clock = new FakeClock()
    const { outbox, sent, link } = outboxWith(clock)
    await outbox.load()
    expect(clock.pending, 'nothing waits: nothing to wake for').toBe(0)

    await outbox.enqueue(BOB, text('m1'))
    expect(clock.pending).toBe(1)
    link(true)
    clock.advance(5000)
    expect(sent.map((w) => (w as { id: string }).id)).toEqual(['m1'])
    clock.advance(5000)
    expect(sent, 'sent again while unacked').toHaveLength(2)

    await outbox.acked(BOB, ['m1'])
    expect(clock.pending, 'acked: the timer is gone').toBe(0)
    clock.advance(60_000)
    expect(sent).toHaveLength(2)
    outbox.close()
  })

  it('starts at load for what waited before a reload, and not after close', async () => {
    const clock = new FakeClock()
    const first = outboxWith(clock)
    await first.outbox.load()
    await first.outbox.enqueue(BOB, text('m2'))
    first.outbox.close()
    expect(clock.pending).toBe(0)

    const again = new Outbox({
      store: first.store,
      links: { linked: () => true, send: () => true },
      clock,
      retryMs: 5000,
    })
    expect(clock.pending, 'not before load').toBe(0)
    await again.load()
    expect(again.has(BOB)).toBe(true)
    expect(clock.pending).toBe(1)
    again.close()
    expect(clock.pending).toBe(0)
    await again.enqueue(BOB, text('m3'))
    expect(clock.pending, 'closed: no timer again').toBe(0)
  })
})
