/**
 * The chat worker's entry (started by the page with `new Worker(…, { type: 'module' })`): the
 * chat's CRDT work runs here, off the thread that paints and takes input.
 */
import type { ChatPort, FromChatWorker, ToChatWorker } from './chat-worker-protocol.ts'
import { runChatWorker } from './chat-worker-core.ts'

runChatWorker(self as unknown as ChatPort<ToChatWorker, FromChatWorker>)
