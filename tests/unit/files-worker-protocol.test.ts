import { describe, expect, it } from 'vitest'
import { runChatWorker } from '../../src/crdt/documents-worker/documents-worker-core.ts'
import {
  checkToWorker,
  type FromDocumentsWorker,
  type ToDocumentsWorker,
  type WorkerPort,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import {
  checkFromFilesWorker,
  checkToFilesWorker,
} from '../../src/app/files-worker/files-worker-protocol.ts'
import { filesWorkerExtension } from '../../src/app/files-worker/worker-files.ts'
import { sealedWorkerStorage } from '../../src/vault/sealed-worker-storage.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { until } from '../support/until.ts'

const peer = 'a'.repeat(32)
const fileId = 'f'.repeat(64)
const entry = {
  id: 'abcdefghijklmnop',
  name: 'notes.txt',
  type: 'text/plain',
  size: 10,
  fileId,
  addedBy: peer,
  addedAt: 1,
  verified: true,
}
const call = (c: Record<string, unknown>) => ({ t: 'files-call', id: 1, workplace: 'w', call: c })
const plan = { members: [peer], online: [peer], replicas: 2, now: 1 }
const state = (s: Record<string, unknown>, why = 'doc') => ({
  t: 'files-state',
  workplace: 'w',
  index: 1,
  why,
  state: { entries: [entry], holdings: [], assigned: [], ...s },
})
const holding = { chunks: 1, of: 1, complete: true, genuine: true }

describe('the files part of the documents worker protocol', () => {
  it('lets through the messages the page sends', () => {
    for (const message of [
      { t: 'files-open', workplace: 'w', index: 1 },
      call({ method: 'addVersion', entry, chunks: 1 }),
      call({
        method: 'writeOwn',
        held: [{ fileId, chunks: 0, count: 3 }],
        storage: { quota: 5, used: 0 },
        now: 1,
      }),
      call({ method: 'planReplicas', input: plan }),
      { t: 'files-close', id: 2, workplace: 'w' },
    ])
      expect(checkToFilesWorker(message)).toBe(message)
    // In the documents worker's protocol they travel in an envelope naming the feature.
    const envelope = { t: 'ext', feature: 'files', message: { t: 'files-open' } }
    expect(checkToWorker(envelope)).toBe(envelope)
    expect(() => checkToWorker({ ...envelope, feature: undefined })).toThrow(/without a feature/)
  })

  it('refuses malformed files messages to the worker, saying what is wrong', () => {
    const refused: [unknown, RegExp][] = [
      [{ t: 'files-open', workplace: 'w' }, /no index number/],
      [{ t: 'files-open', index: 1 }, /no workplace/],
      [{ t: 'files-rename', workplace: 'w' }, /unknown message/],
      [{ ...call({ method: 'planReplicas', input: plan }), id: 0 }, /no call ID/],
      [call({ method: 'addVersion', entry: { ...entry, addedBy: 'x' }, chunks: 1 }), /version/],
      [call({ method: 'addVersion', entry: { ...entry, fileId: 'zz' }, chunks: 1 }), /version/],
      [call({ method: 'addVersion', entry: { ...entry, name: '' }, chunks: 1 }), /version/],
      [call({ method: 'addVersion', entry, chunks: -1 }), /chunks/],
      [call({ method: 'writeOwn', held: [{ fileId: 'x', chunks: 1, count: 1 }], now: 1 }), /held/],
      [call({ method: 'writeOwn', held: [], storage: { quota: -1, used: 0 }, now: 1 }), /storage/],
      [call({ method: 'planReplicas', input: { ...plan, replicas: 0 } }), /replicas/],
      [call({ method: 'planReplicas', input: { ...plan, members: ['Bob'] } }), /members/],
      [call({ method: 'delete', fileId }), /unknown method/],
    ]
    for (const [message, error] of refused) expect(() => checkToFilesWorker(message)).toThrow(error)
  })

  it('refuses malformed state from the worker', () => {
    const good = state({ holdings: [[fileId, [[peer, holding]]]], assigned: [[fileId, 5]] })
    expect(checkFromFilesWorker(good)).toBe(good)
    const refused: [Record<string, unknown>, RegExp][] = [
      [state({}, 'maybe'), /why/],
      [state({ entries: [{ ...entry, verified: 'yes' }] }), /entry/],
      [state({ holdings: [[fileId, [[peer, { ...holding, chunks: -2 }]]]] }), /holdings/],
      [state({ holdings: [['nothex', []]] }), /holdings/],
      [state({ assigned: [[fileId, 'soon']] }), /plan/],
      [{ ...state({}), index: 0 }, /no workplace or index/],
    ]
    for (const [message, error] of refused)
      expect(() => checkFromFilesWorker(message)).toThrow(error)
  })

  it('the worker answers a malformed files call with an error, and acts on none', async () => {
    const channel = new MessageChannel()
    runChatWorker(channel.port2 as unknown as WorkerPort<ToDocumentsWorker, FromDocumentsWorker>, {
      storage: () => sealedWorkerStorage(new MemoryStorageAdapter()),
      extensions: [filesWorkerExtension],
    })
    const replies: FromDocumentsWorker[] = []
    channel.port1.addEventListener('message', ({ data }) => replies.push(data))
    channel.port1.start()
    channel.port2.start()
    try {
      const ext = (feature: string, message: unknown) => ({ t: 'ext', feature, message })
      channel.port1.postMessage(ext('files', call({ method: 'addVersion', entry, chunks: 0 })))
      channel.port1.postMessage(ext('photos', { ...call({ method: 'addVersion' }), id: 2 }))
      const answers = await until(() => {
        const found = replies.filter((r) => r.t === 'reply')
        return found.length === 2 ? found : undefined
      }, 'the worker to answer both malformed calls')
      expect(answers).toMatchObject([
        { id: 1, ok: false, error: { name: 'ProtocolError' } },
        { id: 2, ok: false, error: { name: 'ProtocolError' } },
      ])
      expect(JSON.stringify(answers[0])).toMatch(/chunks out of range/)
      expect(JSON.stringify(answers[1])).toMatch(/no feature photos/)
      // Neither did anything: no state, no document registered.
      expect(replies.filter((r) => r.t !== 'reply' && r.t !== 'ready')).toEqual([])
    } finally {
      channel.port1.close()
      channel.port2.close()
    }
  })
})
