import type { Message } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { MembershipState } from '../membership/evaluate.ts'
import { ChatError, type ChatErrorCode } from '../chat/chat-error.ts'
import type { ChatMessage } from '../chat/message-view.ts'
import type { ReceiptView } from '../chat/receipt-view.ts'
import type { AtRestLoan } from './worker-storage.ts'
import {
  checkToContactsWorker,
  type FromContactsWorker,
  type ToContactsWorker,
} from './contacts-worker-protocol.ts'
import { ProtocolError } from './protocol-error.ts'

/**
 * The messages between the page and the documents worker (version 9; 8 had no channels of the
 * worker's own, every push crossed the page; 7 did not say whom else a
 * pushed change went to, and the worker's sync was held on the page; 6 sent a chat's arrivals
 * apart from the view update that showed them, and its whole order for a message arriving out
 * of order; 5 had no extensions, the
 * file index stayed on the page; 4 asked the page for every storage operation and took an
 * import's contacts all at once, 3 asked for every signature, 2 sent a chat's whole order with
 * every change of it, 1 held the chat only). The worker holds an automerge-repo with the
 * documents of the features run there (the chat's; the contact book's:
 * contacts-worker-protocol.ts; those of extensions, in `ext` envelopes: the file index's, see
 * src/app/files-worker) and stores them itself, in the database the page's repo uses, sealed the
 * same way; the page keeps the mesh, the main repo (membership), the files' bytes and transfers,
 * and renders what the worker sends. The device key and the at-rest key are the page's: a
 * WebCrypto device key is lent to the worker to sign with (a key held as bytes is not: the
 * worker asks the page for each signature then), and the at-rest key is lent at start and again
 * whenever the storage lock turns on or off.
 */
export const DOCUMENTS_WORKER_PROTOCOL = 10

/** What the worker knows of a workplace: enough to judge and write chat records. */
export interface WorkplaceSnapshot {
  id: string
  self: PeerId
  isOwner: boolean
  membership: MembershipState
  /** Members' keys as (peer, base64url public key) pairs; each pair proves itself. */
  keys: [string, string][]
  /** The root's document entries held in the worker (`chat`, `chat.shard.*`, `contacts`, `files`). */
  docs: Record<string, string>
  /** Whether the workplace's chat runs in the worker (it opens with the first snapshot). */
  chat: boolean
}

/** What changed in a chat's view since the last one sent (see ChatViewPublisher). */
export interface ChatViewUpdate {
  /** The message IDs in display order, when older ones came in above (else `dropped`, `splice`). */
  order?: string[]
  /**
   * Instead of the whole `order`: this many IDs left its start (the window moved on), then in
   * what remained `splice` took `removed` IDs out at index `at` and put `inserted` there (a new
   * message, at the end or, arriving late, before those written after it).
   */
  dropped?: number
  splice?: { at: number; removed: number; inserted: string[] }
  /** Messages new or changed since the last update. */
  messages: ChatMessage[]
  /** Receipts new or changed since the last update (`null`: none any more). */
  receipts: [string, ReceiptView | null][]
  hasOlder: boolean
  unread: number
  firstUnread: string | null
  /** Messages from others that just arrived (among `messages` or shown before), to notify of. */
  incoming?: ChatMessage[]
}

/** The chat's methods the page calls (WorkplaceChat's, by name). */
export type ChatCall =
  | { method: 'send'; args: [text: string, options: { replyTo?: string }] }
  | { method: 'edit'; args: [id: string, text: string] }
  | { method: 'deleteMessage'; args: [id: string] }
  | { method: 'toggleReaction'; args: [id: string, emoji: string] }
  | { method: 'loadOlder'; args: [] }
  | { method: 'reveal'; args: [id: string] }
  | { method: 'settled'; args: [] }
  | { method: 'markRead'; args: [] }
  | { method: 'markReadSoon'; args: [] }

/** A failure carried across the port, rebuilt as an Error (with its code, for ChatError). */
export interface PortError {
  name: string
  message: string
  code?: string
}

export type ToDocumentsWorker =
  /** Asks the worker to say it listens (it may have started long before the page asks). */
  | { t: 'hello' }
  | {
      t: 'start'
      v: typeof DOCUMENTS_WORKER_PROTOCOL
      self: PeerId
      publicKey: Uint8Array
      /** The device's WebCrypto private key, if it is one: the worker signs with it itself. */
      signingKey?: CryptoKey
      /** The at-rest key, if the storage lock is on (or being turned off), and whether it seals. */
      vault: AtRestLoan
    }
  /**
   * The storage lock turned on or off: the worker writes the new way from now on, and replies
   * once every write it began the old way is stored (a re-seal may start then).
   */
  | ({ t: 'vault'; id: number } & AtRestLoan)
  | { t: 'peer-up'; peer: PeerId }
  | { t: 'peer-down'; peer: PeerId }
  | { t: 'repo'; message: Message }
  /** A change `from` pushed; `to`: whom else it says it pushed it to (for the worker's SyncHold). */
  | { t: 'push'; from: PeerId; doc: string; change: Uint8Array; to?: string[] }
  /**
   * A data channel (transferred) on the link to `peer`, whom the link proved: pushes between the
   * two documents workers go on it (see DirectPushes).
   */
  | { t: 'channel'; peer: PeerId; channel: RTCDataChannel }
  | { t: 'workplace'; snapshot: WorkplaceSnapshot }
  | { t: 'confirmed'; workplace: string; heads: Record<string, string[]> }
  | { t: 'close-chat'; workplace: string; id: number }
  /**
   * The workplace was left: its chat, contact book and features' documents close here and the
   * worker forgets it (until a snapshot of it comes again); replied to once done.
   */
  | { t: 'forget'; workplace: string; id: number }
  /** Closes every chat and the repo (its last writes stored); replied to once done. */
  | { t: 'shutdown'; id: number }
  | ({ t: 'call'; id: number; workplace: string } & ChatCall)
  | { t: 'reply'; id: number; ok: true; value?: unknown }
  | { t: 'reply'; id: number; ok: false; error: PortError }
  | ToContactsWorker
  /** A message of a feature an extension runs (worker-extension.ts), checked by it. */
  | { t: 'ext'; feature: string; message: unknown }

export type FromDocumentsWorker =
  /** The worker listens now: what the page sent before may have been lost, so it waits for it. */
  | { t: 'ready'; v: typeof DOCUMENTS_WORKER_PROTOCOL }
  | { t: 'repo'; message: Message }
  /** A change made here, for the page to push; `reached`: peers the worker pushed it to itself. */
  | { t: 'push'; doc: string; change: Uint8Array; reached?: PeerId[] }
  /** The peers the worker's own channels reach now (for the sync report). */
  | { t: 'direct'; peers: PeerId[] }
  | { t: 'sign'; id: number; data: Uint8Array }
  | { t: 'register'; workplace: string; entry: string; url: string }
  | { t: 'view'; workplace: string; update: ChatViewUpdate }
  | { t: 'heads'; workplace: string; heads: Record<string, string[]>; waiting: number }
  | { t: 'failed'; workplace: string; error: PortError }
  | { t: 'reply'; id: number; ok: true; value?: unknown }
  | { t: 'reply'; id: number; ok: false; error: PortError }
  | FromContactsWorker
  | { t: 'ext'; feature: string; message: unknown }

const TO_WORKER = new Set([
  'hello',
  'start',
  'peer-up',
  'peer-down',
  'repo',
  'push',
  'channel',
  'workplace',
  'confirmed',
  'close-chat',
  'forget',
  'shutdown',
  'call',
  'reply',
  'vault',
  'ext',
])

/**
 * Checks a message the worker received: its kind is one of the protocol's, and a contacts
 * message's fields are what it needs (an extension's are checked by the extension). Throws a
 * ProtocolError saying what is wrong.
 */
export function checkToWorker(data: unknown): ToDocumentsWorker {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ProtocolError('documents worker: a message that is not an object')
  const message = data as Record<string, unknown>
  if (typeof message.t === 'string' && message.t.startsWith('contacts-'))
    return checkToContactsWorker(message)
  if (typeof message.t !== 'string' || !TO_WORKER.has(message.t))
    throw new ProtocolError(`documents worker: unknown message ${String(message.t)}`)
  const needsId = ['close-chat', 'forget', 'shutdown', 'call', 'reply', 'vault'].includes(message.t)
  if (needsId && !(typeof message.id === 'number' && Number.isSafeInteger(message.id)))
    throw new ProtocolError(`documents worker: ${message.t} without a call ID`)
  if (message.t === 'forget' && (typeof message.workplace !== 'string' || message.workplace === ''))
    throw new ProtocolError('documents worker: forget without a workplace')
  if (message.t === 'vault' && !isLoan(message))
    throw new ProtocolError('documents worker: vault without a key it can use')
  if (message.t === 'ext' && (typeof message.feature !== 'string' || message.feature === ''))
    throw new ProtocolError('documents worker: ext without a feature')
  if (message.t === 'channel' && !isChannel(message))
    throw new ProtocolError('documents worker: channel without a peer or a data channel')
  if (message.t === 'start' && !isLoan(message.vault))
    throw new ProtocolError('documents worker: start without the vault')
  return message as unknown as ToDocumentsWorker
}

/** A channel message's fields: a peer ID and something that sends like a data channel. */
function isChannel(message: Record<string, unknown>): boolean {
  const { peer, channel } = message
  return (
    typeof peer === 'string' &&
    peer !== '' &&
    typeof channel === 'object' &&
    channel !== null &&
    typeof (channel as { send?: unknown }).send === 'function'
  )
}

/** A lent vault: sealing needs a key (an AES-GCM CryptoKey); without sealing one is optional. */
function isLoan(value: unknown): value is AtRestLoan {
  if (typeof value !== 'object' || value === null) return false
  const { key, sealing } = value as Record<string, unknown>
  if (typeof sealing !== 'boolean') return false
  if (key === undefined) return !sealing
  return (
    typeof CryptoKey !== 'undefined' && key instanceof CryptoKey && key.algorithm.name === 'AES-GCM'
  )
}

/** The two ends' common shape: a Worker, a worker's global scope or a MessagePort. */
export interface WorkerPort<In, Out> {
  postMessage(message: Out, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<In>) => void): void
  /** A Worker's: its script failed to load or threw. */
  addEventListener(type: 'error', listener: (event: Event) => void): void
}

export function toPortError(error: unknown): PortError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
    }
  }
  return { name: 'Error', message: String(error) }
}

export function fromPortError(error: PortError): Error {
  if (error.name === 'ChatError') return new ChatError(error.code as ChatErrorCode, error.message)
  const rebuilt = new Error(error.message) as Error & { code?: string }
  rebuilt.name = error.name
  if (error.code !== undefined) rebuilt.code = error.code
  return rebuilt
}
