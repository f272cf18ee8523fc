import { expect, it } from 'vitest'
import { orderChange } from '../../src/crdt/documents-worker/chat-view-publisher.ts'
import { RemoteChat } from '../../src/crdt/documents-worker/remote-chat.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type { ChatViewUpdate } from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { seededRandom } from '../support/seeded-random.ts'

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `m${from + i}`)

const message = (id: string, text = id) => ({ id, text }) as unknown as ChatMessage

/** The page's mirror of a chat, with nothing to call. */
const mirror = () =>
  new RemoteChat({
    self: 'me' as PeerId,
    call: () => Promise.resolve(),
    close: () => Promise.resolve(),
  })

/** A view update of the order (and `messages`), with nothing else changed. */
const update = (
  order: Pick<ChatViewUpdate, 'order' | 'dropped' | 'splice'>,
  messages: ChatMessage[],
): ChatViewUpdate => ({
  ...order,
  messages,
  receipts: [],
  hasOlder: false,
  unread: 0,
  firstUnread: null,
})

it('a new message, a late one or the window moving on is sent as what changed, not the whole order', () => {
  const splice = (dropped: number, at: number, removed: number, inserted: string[]) => ({
    dropped,
    splice: { at, removed, inserted },
  })
  expect(orderChange(ids(0, 500), ids(0, 501))).toEqual(splice(0, 500, 0, ['m500']))
  expect(orderChange(ids(0, 500), ids(2, 503))).toEqual(splice(2, 498, 0, ['m500', 'm501', 'm502']))
  expect(orderChange(ids(0, 3), ids(1, 3))).toEqual(splice(1, 2, 0, []))
  // A message arriving after one written later goes in before it: one ID, not all 501.
  const late = [...ids(0, 499), 'late', 'm499']
  expect(orderChange(ids(0, 500), late)).toEqual(splice(0, 499, 0, ['late']))
  // One taken out, or two swapped.
  expect(orderChange(['a', 'b', 'c'], ['a', 'c'])).toEqual(splice(0, 1, 1, []))
  expect(orderChange(['a', 'b', 'c'], ['a', 'c', 'b'])).toEqual(splice(0, 1, 2, ['c', 'b']))
  // Older messages put above, or none left: the whole order.
  expect(orderChange(ids(5, 8), ids(3, 8))).toEqual({ order: ids(3, 8) })
  expect(orderChange(['a'], [])).toEqual({ order: [] })
})

it('the page’s mirror follows every kind of change to the order', () => {
  const remote = mirror()
  let shown: string[] = []
  const steps = [
    ids(0, 5),
    ids(0, 7),
    ids(2, 8),
    ids(0, 8),
    ['m0', 'm3', 'm9'],
    ['m3', 'm9', 'm10'],
    ['m3', 'm9', 'm12', 'm10'],
    ['m3', 'm10', 'm9', 'm12'],
    ['m9', 'm12'],
    // The first one moved down: dropped from the start and put back further on.
    ['m12', 'm9'],
    ['m9', 'm12', 'm13'],
  ]
  for (const next of steps) {
    const added = next.filter((id) => !shown.includes(id)).map((id) => message(id))
    remote.apply(update(orderChange(shown, next), added))
    shown = next
    expect(remote.messages().map((m) => m.id)).toEqual(next)
    for (const id of next) expect(remote.message(id)?.id).toBe(id)
  }
  // A changed message keeps its place when new ones come in the same update.
  remote.apply(
    update({ dropped: 0, splice: { at: 3, removed: 0, inserted: ['m11'] } }, [
      message('m9', 'edited'),
      message('m11'),
    ]),
  )
  expect(remote.messages().map((m) => m.id)).toEqual(['m9', 'm12', 'm13', 'm11'])
  expect((remote.messages()[0] as unknown as { text: string }).text).toBe('edited')
  for (const gone of ['m0', 'm3', 'm10']) expect(remote.message(gone)).toBeUndefined()
})

it('the page’s mirror ends up with the worker’s order after any change of it', () => {
  const remote = mirror()
  // A fixed seed: the same 500 random changes each run.
  const next01 = seededRandom(42)
  const random = (n: number) => Math.floor(next01() * n)
  const pool = ids(0, 30)
  let shown: string[] = []
  for (let step = 0; step < 500; step++) {
    let next = [...shown]
    // Some of: drop from the start, insert anywhere, remove anywhere, move one, append.
    if (random(3) === 0) next = next.slice(random(3))
    for (let k = random(3); k > 0; k--) {
      const fresh = pool.filter((id) => !next.includes(id))
      if (fresh.length > 0) next.splice(random(next.length + 1), 0, fresh[random(fresh.length)]!)
    }
    if (next.length > 0 && random(4) === 0) next.splice(random(next.length), 1)
    if (next.length > 1 && random(4) === 0) {
      const [moved] = next.splice(random(next.length), 1)
      next.splice(random(next.length + 1), 0, moved!)
    }
    const added = next.filter((id) => !shown.includes(id))
    remote.apply(
      update(
        orderChange(shown, next),
        added.map((id) => message(id)),
      ),
    )
    shown = next
    expect(remote.messages().map((m) => m.id)).toEqual(next)
    for (const id of pool) expect(remote.message(id)?.id).toBe(next.includes(id) ? id : undefined)
  }
})
