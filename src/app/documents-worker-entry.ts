/**
 * The documents worker's entry (started by the page with `new Worker(…, { type: 'module' })`):
 * the CRDT work of the chat, the contact book and the file index runs here, off the thread that
 * paints and takes input, and so does its storage.
 */
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../crdt/documents-worker/documents-worker-protocol.ts'
import { runChatWorker } from '../crdt/documents-worker/documents-worker-core.ts'
import { DOCUMENTS_DATABASE } from '../crdt/documents-worker/worker-storage.ts'
import { sealedWorkerStorage } from '../vault/sealed-worker-storage.ts'
import { filesWorkerExtension } from './files-worker/worker-files.ts'

runChatWorker(self as unknown as WorkerPort<ToDocumentsWorker, FromDocumentsWorker>, {
  storage: () => sealedWorkerStorage(new IndexedDBStorageAdapter(DOCUMENTS_DATABASE)),
  extensions: [filesWorkerExtension],
})
