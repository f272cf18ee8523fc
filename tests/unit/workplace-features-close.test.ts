import { describe, expect, it } from 'vitest'
import { WorkplaceFeatures } from '../../src/app/workplace-features.ts'
import { CHAT_DOC_KIND, initialChatIndex } from '../../src/crdt/chat/chat-doc.ts'
import { createBrowserNotifier } from '../../src/crdt/chat/browser-notifier.ts'
import type {
  FromDocumentsWorker,
  ToDocumentsWorker,
  WorkerPort,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import { FILES_DOC_KIND, initialFilesDoc } from '../../src/files/files-doc.ts'
import { createFilesService } from '../../src/files/files-service.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, startChatWorker, testDevices } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const { cleanup } = testDevices()

/**
 * A documents worker whose chat views wait until `release`: the page's chat is still opening
 * meanwhile. Records what the page tells the worker.
 */
function viewsHeld() {
  const inner = startChatWorker()
  const told: ToDocumentsWorker[] = []
  const held: (() => void)[] = []
  let holding = true
  const port: WorkerPort<FromDocumentsWorker, ToDocumentsWorker> = {
    postMessage: (message, transfer) => {
      told.push(message)
      inner.postMessage(message, transfer)
    },
    addEventListener: ((type: 'message', listener: (event: MessageEvent) => void) => {
      if (type !== 'message') return inner.addEventListener(type, listener)
      inner.addEventListener('message', (event: MessageEvent<FromDocumentsWorker>) => {
        if (holding && event.data.t === 'view') held.push(() => listener(event))
        else listener(event)
      })
    }) as WorkerPort<FromDocumentsWorker, ToDocumentsWorker>['addEventListener'],
  }
  const release = () => {
    holding = false
    for (const deliver of held.splice(0)) deliver()
  }
  return { port, told, held, release }
}

describe("a workplace's features closed while its chat still opens", () => {
  it('close the chat in the documents worker once it has opened', async () => {
    const worker = viewsHeld()
    const ann = await createTestDevice(new MemoryMeshHub(), 'Ann', {
      kinds: new Map<string, () => unknown>([
        [CHAT_DOC_KIND, () => initialChatIndex()],
        [FILES_DOC_KIND, initialFilesDoc],
      ]),
      documentsWorker: worker.port,
    })
    cleanup.push(() => ann.stack.shutdown())
    const files = await createFilesService({
      mesh: ann.port,
      store: createMemoryChunkStore(),
      localStorage: { getItem: () => null, setItem: () => {} },
    })
    cleanup.push(() => files.close())
    const wp = await ann.stack.workplaces.create('Acme')
    const features = new WorkplaceFeatures({
      workplace: wp,
      repo: ann.stack.repo,
      push: (handle) => ann.stack.changes.push(handle),
      notifier: createBrowserNotifier({ document: { visibilityState: 'visible' } }),
      isHidden: () => false,
      files,
      chats: ann.stack.chats!,
    })
    await until(() => worker.held.length > 0, 'the worker to open the chat', 5000)

    // Ann leaves the workplace before the page has the chat's first view.
    await features.close()
    worker.release()
    await features.chat
    await until(
      () => worker.told.some((m) => m.t === 'close-chat' && m.workplace === wp.id),
      'the chat to be closed in the worker',
      2000,
    )
    expect(features.openedChat).toBeUndefined()
  })
})
