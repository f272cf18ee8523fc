import { generateAutomergeUrl } from '@automerge/automerge-repo'
import { afterEach, expect, it, vi } from 'vitest'
import type {
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, startChatWorker, testDevices } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const { cleanup } = testDevices()
afterEach(() => void vi.restoreAllMocks())

/** Ann, whose documents run in a worker on a MessageChannel; the worker's replies are kept. */
async function annWithWorker() {
  const worker = startChatWorker()
  const replies: FromDocumentsWorker[] = []
  worker.addEventListener('message', (event) => {
    if (event.data.t === 'reply') replies.push(event.data)
  })
  const ann = await createTestDevice(new MemoryMeshHub(), 'Ann', { documentsWorker: worker })
  cleanup.push(() => ann.stack.shutdown())
  return { worker, replies, ann }
}

/** The worker's reply to the message `id`, waited for at most `ms`. */
function replyTo(replies: FromDocumentsWorker[], id: number, what: string, ms?: number) {
  return until(() => replies.find((r) => r.t === 'reply' && r.id === id), what, ms)
}

it('a workplace left is forgotten by the documents worker: its chat closes, its snapshot goes', async () => {
  const { worker, replies, ann } = await annWithWorker()
  const acme = await ann.stack.workplaces.create('Acme')
  const chat = await ann.stack.chats!.open(acme)
  await chat.send('before leaving')

  await ann.stack.chats!.forget(acme.id)
  // The worker's chat of it is closed: a call for it is refused.
  const post = (message: ToDocumentsWorker) => worker.postMessage(message)
  post({ t: 'call', id: 9001, workplace: acme.id, method: 'markRead', args: [] })
  const refused = await replyTo(replies, 9001, 'the call answered')
  expect(refused).toMatchObject({ ok: false, error: { message: /no chat open/ } })
  // Its snapshot is gone: the contact book cannot be opened for it without a new one.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  post({ t: 'contacts-open', workplace: acme.id, book: 1 })
  await until(
    () => warn.mock.calls.some((c) => String(c[0]).includes(`no snapshot of workplace ${acme.id}`)),
    'the worker to say it has no snapshot of it',
  )
})

it('a forget without a workplace is refused, not acted on', async () => {
  const { worker, replies } = await annWithWorker()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  worker.postMessage({ t: 'forget', id: 9002 } as unknown as ToDocumentsWorker)
  expect(await replyTo(replies, 9002, 'the refusal')).toMatchObject({
    ok: false,
    error: { message: /forget without a workplace/ },
  })
})

/** Ann with a worker, and the snapshot her page sent it of a workplace she made. */
async function annAndSnapshot() {
  const { worker, replies, ann } = await annWithWorker()
  const sent: ToDocumentsWorker[] = []
  const postMessage = worker.postMessage.bind(worker)
  worker.postMessage = (message: ToDocumentsWorker, ...rest: [Transferable[]?]) => {
    sent.push(message)
    postMessage(message, ...(rest as [Transferable[]]))
  }
  const acme = await ann.stack.workplaces.create('Acme')
  await ann.stack.chats!.open(acme)
  const snapshot = await until(() => {
    const found = sent.find((m) => m.t === 'workplace' && m.snapshot.id === acme.id)
    return found?.t === 'workplace' ? found.snapshot : undefined
  }, 'the page to send its snapshot of Acme')
  return { worker, replies, snapshot }
}

it('a workplace left while its chat waits to exist is forgotten at once, and so is a shutdown', async () => {
  const { worker, replies, snapshot } = await annAndSnapshot()
  // A workplace whose chat is not listed yet (just joined, or made before chat existed), seen
  // by a member who may not start it: its chat waits for the listing.
  const info = vi.spyOn(console, 'info').mockImplementation(() => {})
  const waiting = { ...snapshot, id: 'not-listed-yet', isOwner: false, docs: {}, chat: true }
  worker.postMessage({ t: 'workplace', snapshot: waiting })
  await until(
    () => info.mock.calls.some((c) => String(c[0]).includes('chat of not-listed-yet')),
    'its chat to wait',
  )

  worker.postMessage({ t: 'forget', workplace: 'not-listed-yet', id: 9003 })
  const forgotten = await replyTo(replies, 9003, 'the forget answered', 2000)
  expect(forgotten).toMatchObject({ ok: true })

  worker.postMessage({ t: 'workplace', snapshot: waiting })
  await until(
    () => info.mock.calls.filter((c) => String(c[0]).includes('chat of not-listed-yet')).length > 1,
    'its chat to wait again',
  )
  worker.postMessage({ t: 'shutdown', id: 9004 })
  const shut = await replyTo(replies, 9004, 'the shutdown answered', 2000)
  expect(shut).toMatchObject({ ok: true })
})

it('a workplace left while its chat waits for documents nobody holds is forgotten within seconds', async () => {
  const { worker, replies, snapshot } = await annAndSnapshot()
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  // Its chat is listed, but nobody online holds it: opening it waits until someone does.
  const nobodys = { ...snapshot, id: 'held-by-nobody', isOwner: false, chat: true }
  worker.postMessage({
    t: 'workplace',
    snapshot: { ...nobodys, docs: { chat: generateAutomergeUrl() } },
  })
  await new Promise((resolve) => setTimeout(resolve, 200))
  const asked = Date.now()
  worker.postMessage({ t: 'forget', workplace: 'held-by-nobody', id: 9005 })
  const forgotten = await replyTo(replies, 9005, 'the forget answered', 4000)
  expect(forgotten).toMatchObject({ ok: true })
  expect(Date.now() - asked).toBeLessThan(4000)
  expect(warn.mock.calls.some((c) => String(c[0]).includes('still opening'))).toBe(true)
})
