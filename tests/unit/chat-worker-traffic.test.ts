import { cbor } from '@automerge/automerge-repo'
import { describe, expect, it, vi } from 'vitest'
import { CHAT_DOC_KIND, initialChatIndex } from '../../src/crdt/chat/chat-doc.ts'
import type { ChatApi } from '../../src/crdt/chat/chat-api.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type {
  ChatViewUpdate,
  FromDocumentsWorker,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import { CHANGE_PUSH_CHANNEL } from '../../src/crdt/repo/change-push.ts'
import { MAX_HOLD_MS, PUSH_QUIET_MS } from '../../src/crdt/repo/sync-hold.ts'
import { annAndBobInAcme, startChatWorker, testDevices } from '../support/test-device.ts'
import { fakeChannelPair, type FakeDataChannel } from '../support/fake-data-channel.ts'
import { until } from '../support/until.ts'

const kinds = new Map([[CHAT_DOC_KIND, () => initialChatIndex()]])
const { cleanup } = testDevices()

/** A worker's port that keeps every message from the worker, for counting what crossed it. */
function recordedPort() {
  const port = startChatWorker()
  const fromWorker: FromDocumentsWorker[] = []
  port.addEventListener('message', ({ data }) => fromWorker.push(data))
  return { port, fromWorker }
}

/** Ann (whose worker's port is recorded) and Bob, each with the chat in a documents worker. */
async function pair() {
  const recorded = recordedPort()
  const { acme, bobAcme, ann, bob, hub } = await annAndBobInAcme(cleanup, {
    ann: { kinds, documentsWorker: recorded.port },
    bob: { kinds, documentsWorker: startChatWorker() },
  })
  await until(() => acme.membership.members.size === 2, 'Ann to see Bob', 20_000)
  const chats: [ChatApi, ChatApi] = [
    await ann.stack.chats!.open(acme),
    await bob.stack.chats!.open(bobAcme),
  ]
  return { ...recorded, chats, devices: [ann, bob] as const, hub }
}

const views = (messages: FromDocumentsWorker[]): ChatViewUpdate[] =>
  messages.flatMap((m) => (m.t === 'view' ? [m.update] : []))

describe('what crosses the documents worker’s port for the chat', { timeout: 60_000 }, () => {
  it('announces a message from another member in the view update that shows it', async () => {
    const { chats, fromWorker } = await pair()
    const [ann, bob] = chats
    const heard: ChatMessage[] = []
    ann.on('incoming', (messages) => heard.push(...messages))
    const sent = await bob.send('hello Ann')
    await until(() => heard.some((m) => m.id === sent.id), 'Ann to hear of it', 10_000)
    expect(heard.map((m) => m.text)).toEqual(['hello Ann'])
    // No message of its own: the update that first shows it says it is new.
    expect(fromWorker.map((m) => m.t)).not.toContain('incoming')
    const showing = views(fromWorker).find((u) => u.messages.some((m) => m.id === sent.id))
    expect(showing?.incoming?.map((m) => m.id)).toEqual([sent.id])
    // Her own messages are not announced to her.
    await ann.send('hi Bob')
    await until(() => bob.messages().length === 2, 'Bob to see her answer', 10_000)
    expect(heard).toHaveLength(1)
  })

  it('keeps the chat’s sync in the worker while pushes carry a busy chat', async () => {
    const { chats, fromWorker } = await pair()
    const [ann, bob] = chats
    const first = await ann.send('warm-up')
    await until(() => bob.message(first.id), 'Bob to see the first message', 10_000)
    const before = fromWorker.length
    const sent: string[] = []
    const started = Date.now()
    let last = started
    let quietGaps = 0
    // Both write, a message every 20 ms for a second and a half: pushes carry every change.
    for (let i = 0; i < 75; i++) {
      const from = i % 3 === 0 ? bob : ann
      sent.push((await from.send(`busy ${i}`)).id)
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (Date.now() - last > PUSH_QUIET_MS) quietGaps++
      last = Date.now()
    }
    await until(
      () => sent.every((id) => ann.message(id) && bob.message(id)),
      'both to have every message',
      15_000,
    )
    const repoSince = () => fromWorker.slice(before).filter((m) => m.t === 'repo').length
    const during = repoSince()
    const burstMs = Date.now() - started
    // The repo syncs each changed document with each peer every 100 ms: about 40 messages to
    // the page over the burst, each decoded there, had the page held them. Held, a (peer,
    // document) pair's newest goes out at least every MAX_HOLD_MS: on a loaded machine the
    // burst lasts longer, and so more go out; and a loaded machine that stalls the writing for
    // over PUSH_QUIET_MS lets each pair's held message go.
    expect(during).toBeLessThanOrEqual(6 + 2 * Math.ceil(burstMs / MAX_HOLD_MS) + 2 * quietGaps)
    // Nothing is held for good: once pushes are quiet, the newest sync message goes out.
    await until(() => repoSince() > during, 'the held sync message to go out', MAX_HOLD_MS + 5_000)
  })

  it('checks a pushed change’s checksum in the worker, not on the page, and refuses a bad one', async () => {
    const { chats, fromWorker, devices, port } = await pair()
    const [ann] = chats
    const [annDevice, bobDevice] = devices
    await ann.send('to copy')
    const push = fromWorker.find((m) => m.t === 'push')
    if (push?.t !== 'push') throw new Error('Ann’s worker pushed no change')
    const corrupt = push.change.slice()
    corrupt[corrupt.length - 3]! ^= 0xff
    const toWorker: unknown[] = []
    const post = port.postMessage.bind(port)
    port.postMessage = (message: never) => (toWorker.push(message), post(message))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    // Bob's device pushes Ann a whole chunk whose checksum is wrong.
    bobDevice.port.send(
      annDevice.port.self,
      CHANGE_PUSH_CHANNEL,
      cbor.encode({ v: 1, doc: push.doc, change: corrupt }),
    )
    const refused = () => warn.mock.calls.some((c) => String(c[0]).startsWith('push:'))
    await until(refused, 'the bad change to be refused', 10_000)
    // The page passed it on unhashed; the worker refused it before noting or applying it.
    expect(toWorker).toContainEqual(expect.objectContaining({ t: 'push', change: corrupt }))
    const pushWarnings = warn.mock.calls
      .map((c) => String(c[0]))
      .filter((w) => w.startsWith('push:'))
    expect(pushWarnings).toEqual([expect.stringContaining('malformed change')])
    warn.mockRestore()
    expect(ann.messages().map((m) => m.text)).toEqual(['to copy'])
  })

  it('pushes cross the page where a channel cannot be lent to the worker', async () => {
    const { chats, devices, hub } = await pair()
    const [ann, bob] = chats
    const [annDevice, bobDevice] = devices
    // A transport with raw channels, but a port that cannot transfer them (as in a browser
    // without transferable data channels).
    const made: FakeDataChannel[] = []
    annDevice.port.openRawChannel = (_peer, label) => {
      const [end] = fakeChannelPair(label)
      made.push(end)
      return end as unknown as RTCDataChannel
    }
    const info = vi.spyOn(console, 'info')
    const [a, b] = [annDevice.identity.peerId, bobDevice.identity.peerId]
    hub.unlink(a, b)
    hub.link(a, b)
    await until(() => made.length === 1, 'Ann’s page to try to lend a channel', 10_000)
    expect(made[0]!.closedAt, 'the channel it could not lend is closed').toBeDefined()
    expect(info.mock.calls.map((c) => String(c[0]))).toContainEqual(
      expect.stringMatching(/^documents worker: pushes cross the page: /),
    )
    info.mockRestore()
    const relayed = annDevice.stack.chats!.pushPaths().relayed
    const sent = await ann.send('through the page')
    await until(() => bob.message(sent.id), 'Bob to have it', 10_000)
    expect(annDevice.stack.chats!.pushPaths()).toEqual({ direct: [], relayed: relayed + 1 })
  })
})
