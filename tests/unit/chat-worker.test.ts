import { afterEach, describe, expect, it } from 'vitest'
import { CHAT_DOC_KIND, initialChatIndex } from '../../src/crdt/chat/chat-doc.ts'
import type { ChatApi } from '../../src/crdt/chat/chat-api.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import {
  createTestDevice,
  linkTo,
  startChatWorker,
  TEST_HISTORY_DELAYS,
  type TestDevice,
} from '../support/test-device.ts'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import { until } from '../support/until.ts'

const kinds = new Map([[CHAT_DOC_KIND, () => initialChatIndex()]])
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Ann and Bob run their chats in chat workers; Cy (say, a keeper) runs it in-process. */
async function world(
  annWorker: WorkerPort<FromDocumentsWorker, ToDocumentsWorker> | true = true,
  shardLimit?: number,
  annIdentity?: Identity,
): Promise<{ devs: TestDevice[]; wps: Workplace[]; chats: ChatApi[] }> {
  const hub = new MemoryMeshHub()
  const index = shardLimit === undefined ? {} : { shardLimit }
  const annPeer = annIdentity && { identity: annIdentity, port: hub.add(annIdentity.peerId) }
  const devs = await Promise.all([
    createTestDevice(hub, 'Ann', {
      kinds,
      documentsWorker: annWorker,
      ...(annPeer ? { peer: annPeer } : {}),
    }),
    createTestDevice(hub, 'Bob', { kinds, documentsWorker: startChatWorker(index) }),
    createTestDevice(hub, 'Cy', {
      kinds: new Map([[CHAT_DOC_KIND, () => initialChatIndex(index)]]),
    }),
  ])
  for (const dev of devs) cleanup.push(() => dev.stack.shutdown())
  const wp = await devs[0]!.stack.workplaces.create('Acme')
  const invite = await wp.createInvite({ expiresInMs: 60_000, maxUses: 3 })
  const wps = [wp]
  for (const dev of devs.slice(1)) {
    dev.stack.joins.start(linkTo(wp, invite))
    // Generous deadlines: with two chat workers on a starved machine a join took over 5 s.
    const joined = await until(() => dev.stack.workplaces.get(wp.id), `${dev.name} to join`, 20_000)
    wps.push(joined)
  }
  await until(() => wps.every((w) => w.membership.members.size === 3), 'all to see all', 20_000)
  const { WorkplaceChat } = await import('../../src/crdt/chat/workplace-chat.ts')
  const { rootDocsRegistrar } = await import('../../src/crdt/chat/shard-registrar.ts')
  const chats: ChatApi[] = []
  for (const [i, dev] of devs.entries()) {
    const w = wps[i]!
    const chat = dev.stack.chats
      ? await dev.stack.chats.open(w)
      : await WorkplaceChat.open({
          workplace: w,
          repo: dev.stack.repo,
          register: rootDocsRegistrar(w.handle),
          push: (handle) => dev.stack.changes.push(handle),
          receiptDelayMs: 5,
          receiptIntervalMs: 5,
          historyDelays: TEST_HISTORY_DELAYS,
        })
    chats.push(chat)
  }
  return { devs, wps, chats }
}

// Each test's limit covers its set-up and its waits' own deadlines on a busy machine.
describe('the chat in a chat worker', { timeout: 60_000 }, () => {
  it('exchanges messages, edits and receipts with in-worker and in-thread chats alike', async () => {
    const { devs, chats } = await world()
    const [ann, bob, cy] = chats as [ChatApi, ChatApi, ChatApi]
    const hello = await ann.send('hello from the worker')
    // The page's mirror holds a sent message as soon as the call resolves.
    expect(ann.message(hello.id)?.text).toBe('hello from the worker')
    await until(() => bob.message(hello.id) && cy.message(hello.id), 'Bob and Cy to see it')
    expect(bob.message(hello.id)!.verified).toBe(true)

    const reply = await cy.send('hi Ann', { replyTo: hello.id })
    await until(() => ann.message(reply.id) && bob.message(reply.id), 'the reply to reach both')
    expect(ann.messages().map((m) => m.id)).toEqual([hello.id, reply.id])
    expect(ann.message(reply.id)!.replyTo).toBe(hello.id)

    await ann.edit(hello.id, 'hello, edited')
    await until(() => cy.message(hello.id)?.text === 'hello, edited', 'Cy to see the edit')
    await until(() => ann.receipt(hello.id)?.state === 'delivered', 'Ann to see it delivered')

    // The chat's documents live in the worker's repo: the page's repo never opened them.
    const chatDocs = Object.entries(devs[0]!.stack.workplaces.list()[0]!.doc!.docs)
      .filter(([entry]) => entry === 'chat' || entry.startsWith('chat.shard.'))
      .map(([, url]) => url.replace('automerge:', ''))
    expect(chatDocs.length).toBeGreaterThanOrEqual(2)
    for (const doc of chatDocs) {
      expect(Object.keys(devs[0]!.stack.repo.handles)).not.toContain(doc)
    }
  })

  it('keeps every message when all three write at once across many shards', async () => {
    const { chats } = await world(startChatWorker({ shardLimit: 4 }), 4)
    const sent = await Promise.all(
      chats.map(async (chat, k) => {
        const ids: string[] = []
        for (let i = 0; i < 12; i++) ids.push((await chat.send(`${k}: ${i}`)).id)
        return ids
      }),
    )
    const all = sent.flat()
    await until(
      () => chats.every((chat) => all.every((id) => chat.message(id))),
      'every message everywhere',
      20_000,
    )
    const order = chats[0]!.messages().map((m) => m.id)
    for (const chat of chats) expect(chat.messages().map((m) => m.id)).toEqual(order)
  })

  it('refuses an edit of someone else’s message with the chat’s own error', async () => {
    const { chats } = await world()
    const [ann, bob] = chats as [ChatApi, ChatApi]
    const hello = await ann.send('mine')
    await until(() => bob.message(hello.id), 'Bob to see it')
    await expect(bob.edit(hello.id, 'not yours')).rejects.toMatchObject({
      name: 'ChatError',
      code: 'not-author',
    })
  })

  it("signs in the worker with the device's WebCrypto key, asking the page for no signature", async () => {
    const port = startChatWorker()
    const fromWorker: string[] = []
    port.addEventListener('message', ({ data }) => fromWorker.push(data.t))
    const { chats } = await world(port)
    const [ann, bob] = chats as [ChatApi, ChatApi]
    const hello = await ann.send('signed in the worker')
    await until(() => bob.message(hello.id), 'Bob to see it')
    expect(bob.message(hello.id)!.verified).toBe(true)
    expect(fromWorker).toContain('push')
    expect(fromWorker).not.toContain('sign')
  })

  it('asks the page to sign when the device key is not a WebCrypto key it can lend', async () => {
    const port = startChatWorker()
    const fromWorker: string[] = []
    port.addEventListener('message', ({ data }) => fromWorker.push(data.t))
    // A key held as bytes (the fallback where WebCrypto has no Ed25519) stays on the page.
    const { signingKey: _lent, ...bytesOnly } = await createTestIdentity()
    const { chats } = await world(port, undefined, bytesOnly)
    const [ann, bob] = chats as [ChatApi, ChatApi]
    const hello = await ann.send('signed on the page')
    await until(() => bob.message(hello.id), 'Bob to see it')
    expect(bob.message(hello.id)!.verified).toBe(true)
    expect(fromWorker).toContain('sign')
  })

  it('opens with a worker that was started, and said it was ready, before the page listened', async () => {
    // A Worker's messages to the page are dropped while nobody listens (a started port).
    const early = startChatWorker()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const { chats } = await world(early)
    const [ann, bob] = chats as [ChatApi, ChatApi]
    const hello = await ann.send('still here')
    await until(() => bob.message(hello.id), 'Bob to see it')
  })

  it('says the chat could not start when the worker fails to load, instead of waiting', async () => {
    // A worker whose script never runs: it answers nothing, then reports an error.
    const channel = new MessageChannel()
    channel.port1.start()
    ;(channel.port1 as unknown as { unref?: () => void }).unref?.()
    const broken = channel.port1 as unknown as WorkerPort<FromDocumentsWorker, ToDocumentsWorker> &
      EventTarget
    const hub = new MemoryMeshHub()
    const ann = await createTestDevice(hub, 'Ann', { kinds, documentsWorker: broken })
    // Closing does not wait on the broken worker.
    cleanup.push(() => ann.stack.shutdown())
    const wp = await ann.stack.workplaces.create('Acme')
    const opening = ann.stack.chats!.open(wp)
    const failed = expect(opening).rejects.toThrow(/The chat could not start: .*no such module/)
    broken.dispatchEvent(Object.assign(new Event('error'), { message: 'no such module' }))
    await failed
  })
})
