/**
 * The documents worker's entry (started by the page with `new Worker(…, { type: 'module' })`): the
 * chat's CRDT work runs here, off the thread that paints and takes input.
 */
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from './documents-worker-protocol.ts'
import { runChatWorker } from './documents-worker-core.ts'

runChatWorker(self as unknown as WorkerPort<ToDocumentsWorker, FromDocumentsWorker>)
