import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { PeerId } from '../../peer/ids.ts'
import { CHAT_DOC_KIND } from '../chat/chat-doc.ts'
import type { ChangePush } from '../repo/change-push.ts'
import type { MeshNetworkAdapter } from '../repo/mesh-network-adapter.ts'
import type { RemoteDocs } from '../sync/workplace-sync.ts'
import type { Workplace } from '../workplace/workplace.ts'
import {
  CHAT_WORKER_PROTOCOL,
  fromPortError,
  toPortError,
  type ChatPort,
  type FromChatWorker,
  type ToChatWorker,
  type WorkplaceSnapshot,
} from './chat-worker-protocol.ts'
import { PendingCalls } from './pending-calls.ts'
import { serveStorage } from './port-storage-adapter.ts'
import { RemoteChat } from './remote-chat.ts'
import { documentIdOf } from './worker-workplace.ts'

/** How long closing waits for the worker to store its last writes. */
const SHUTDOWN_WAIT_MS = 5000

/** The root's document entries that belong to the chat. */
function isChatEntry(entry: string): boolean {
  return entry === CHAT_DOC_KIND || entry.startsWith('chat.shard.')
}

/** A workplace's chat documents as the worker last reported them, for its sync status. */
class WorkerDocs extends Emitter<{ change: void }> implements RemoteDocs {
  #heads: Record<string, string[]> = {}
  #waiting = 0
  readonly #confirm: (heads: Record<string, string[]>) => void

  constructor(confirm: (heads: Record<string, string[]>) => void) {
    super()
    this.#confirm = confirm
  }

  update(heads: Record<string, string[]>, waiting: number): void {
    this.#heads = heads
    this.#waiting = waiting
    this.emit('change', undefined)
  }

  heads(): Record<string, string[]> {
    return this.#heads
  }

  waiting(): number {
    return this.#waiting
  }

  onChange(listener: () => void): () => void {
    return this.on('change', listener)
  }

  confirm(heads: Record<string, string[]>): void {
    this.#confirm(heads)
  }
}

interface Hosted {
  workplace: Workplace
  chat: RemoteChat
  opened: { resolve: (chat: RemoteChat) => void; reject: (error: Error) => void }
  /** What was last sent of the workplace, to send only what changed. */
  sent: string
  off: () => void
}

/**
 * The page's side of the chat worker: carries the worker's repo traffic over the main repo's
 * network (as its RepoSide), serves its storage and signatures, keeps it told of each
 * workplace's membership, and hands the UI a RemoteChat per workplace.
 */
export class ChatWorkerHost {
  readonly #port: ChatPort<FromChatWorker, ToChatWorker>
  readonly #network: MeshNetworkAdapter
  readonly #changes: ChangePush
  readonly #storage: StorageAdapterInterface
  readonly #identity: Identity
  readonly #calls = new PendingCalls()
  readonly #hosted = new Map<string, Hosted>()
  readonly #docs = new Map<string, WorkerDocs>()
  /** Every chat document of the hosted workplaces: their messages go to the worker. */
  readonly #owned = new Set<string>()
  /** What is posted before the worker said it listens (a module worker loads for a while). */
  #queued: ToChatWorker[] | undefined = []
  #failure: Error | undefined

  constructor(options: {
    port: ChatPort<FromChatWorker, ToChatWorker>
    network: MeshNetworkAdapter
    changes: ChangePush
    storage: StorageAdapterInterface
    identity: Identity
  }) {
    this.#port = options.port
    this.#network = options.network
    this.#changes = options.changes
    this.#storage = options.storage
    this.#identity = options.identity
    this.#port.addEventListener('message', ({ data }) => this.#received(data))
    this.#port.addEventListener('error', (event) => this.#workerFailed(event))
    // Answered once the worker listens; or its own `ready` comes, if it was still loading.
    this.#port.postMessage({ t: 'hello' })
    this.#post({
      t: 'start',
      v: CHAT_WORKER_PROTOCOL,
      self: this.#identity.peerId,
      publicKey: this.#identity.publicKey,
    })
    const owns = (doc: string) => this.#owned.has(doc)
    this.#network.attachSide({
      owns,
      peerUp: (peer) => this.#post({ t: 'peer-up', peer }),
      peerDown: (peer) => this.#post({ t: 'peer-down', peer }),
      deliver: (message) => this.#post({ t: 'repo', message }),
    })
    this.#changes.attachSide({
      owns,
      applyPush: (from, doc, change) => this.#post({ t: 'push', from, doc, change }),
    })
  }

  /** The chat of a workplace, opened in the worker on first call. */
  open(workplace: Workplace): Promise<RemoteChat> {
    if (this.#failure) return Promise.reject(this.#failure)
    const known = this.#hosted.get(workplace.id)
    if (known) return Promise.resolve(known.chat)
    return new Promise<RemoteChat>((resolve, reject) => {
      const chat = new RemoteChat({
        self: workplace.self,
        call: (request) =>
          this.#calls.call((id) =>
            this.#post({ t: 'call', id, workplace: workplace.id, ...request }),
          ),
        close: () => this.#closeChat(workplace.id),
      })
      const hosted: Hosted = {
        workplace,
        chat,
        opened: { resolve, reject },
        sent: '',
        off: workplace.on('change', () => this.#tell(hosted)),
      }
      this.#hosted.set(workplace.id, hosted)
      this.#tell(hosted)
    })
  }

  /** The workplace's chat documents for its sync status (filled once its chat opens). */
  docsOf(workplace: string): RemoteDocs {
    let docs = this.#docs.get(workplace)
    if (!docs) {
      docs = new WorkerDocs((heads) => this.#post({ t: 'confirmed', workplace, heads }))
      this.#docs.set(workplace, docs)
    }
    return docs
  }

  /** Closes the worker's chats and repo (their last writes stored). */
  async shutdown(): Promise<void> {
    for (const hosted of this.#hosted.values()) hosted.off()
    this.#hosted.clear()
    if (this.#failure) return
    // A worker that stopped answering must not keep the page from closing its stores.
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.warn('chat worker: did not confirm shutting down in time')
        resolve()
      }, SHUTDOWN_WAIT_MS)
    })
    await Promise.race([this.#calls.call((id) => this.#post({ t: 'shutdown', id })), late])
    clearTimeout(timer)
  }

  async #closeChat(workplace: string): Promise<void> {
    const hosted = this.#hosted.get(workplace)
    if (!hosted) return
    hosted.off()
    this.#hosted.delete(workplace)
    await this.#calls.call((id) => this.#post({ t: 'close-chat', workplace, id }))
  }

  /** Sends the worker the workplace's snapshot if what it holds changed. */
  #tell(hosted: Hosted): void {
    const snapshot = snapshotOf(hosted.workplace)
    for (const url of Object.values(snapshot.docs)) this.#owned.add(documentIdOf(url))
    const signature = JSON.stringify([
      snapshot.isOwner,
      snapshot.membership.clock,
      snapshot.membership.members.size,
      snapshot.keys.length,
      snapshot.docs,
    ])
    if (signature === hosted.sent) return
    hosted.sent = signature
    this.#post({ t: 'workplace', snapshot })
  }

  #received(message: FromChatWorker): void {
    switch (message.t) {
      case 'ready': {
        if (message.v !== CHAT_WORKER_PROTOCOL) {
          return console.error(
            `chat worker: speaks version ${message.v}, not ${CHAT_WORKER_PROTOCOL}`,
          )
        }
        if (!this.#queued) return
        const queued = this.#queued
        this.#queued = undefined
        for (const waiting of queued) this.#port.postMessage(waiting)
        return
      }
      case 'repo':
        return this.#network.send(message.message)
      case 'push':
        return this.#changes.pushChange(message.doc, message.change)
      case 'storage': {
        const { id, t: _t, ...op } = message
        return this.#answer(id, () => serveStorage(this.#storage, op))
      }
      case 'sign':
        return this.#answer(message.id, () => this.#identity.sign(message.data))
      case 'register':
        return this.#register(message.workplace, message.entry, message.url)
      case 'view': {
        const hosted = this.#hosted.get(message.workplace)
        if (!hosted) return
        hosted.chat.apply(message.update)
        hosted.opened.resolve(hosted.chat)
        return
      }
      case 'incoming':
        return this.#hosted.get(message.workplace)?.chat.incoming(message.messages)
      case 'heads':
        return this.#docs.get(message.workplace)?.update(message.heads, message.waiting)
      case 'failed':
        return this.#hosted.get(message.workplace)?.opened.reject(fromPortError(message.error))
      case 'reply':
        return this.#calls.settle(message)
    }
  }

  /** The worker could not load or broke: no chat can open, and waiting calls fail. */
  #workerFailed(event: Event): void {
    const detail = (event as ErrorEvent).message || 'it did not load'
    const error = new Error(`The chat could not start: ${detail}`)
    console.error('chat worker failed', event)
    this.#failure = error
    for (const hosted of this.#hosted.values()) hosted.opened.reject(error)
    this.#calls.failAll(error)
  }

  /** Lists a chat document in the workplace's root (so that members may sync it). */
  #register(workplace: string, entry: string, url: string): void {
    if (!isChatEntry(entry)) return console.warn(`chat worker: refused to register ${entry}`)
    const hosted = this.#hosted.get(workplace)
    if (!hosted) return
    this.#owned.add(documentIdOf(url))
    const root = hosted.workplace.handle
    if (root.doc()?.docs?.[entry] === url) return
    root.change((d) => {
      d.docs ??= {}
      d.docs[entry] = url
    })
  }

  #answer(id: number, work: () => Promise<unknown>): void {
    work().then(
      (value) => this.#post({ t: 'reply', id, ok: true, value }),
      (error: unknown) => this.#post({ t: 'reply', id, ok: false, error: toPortError(error) }),
    )
  }

  #post(message: ToChatWorker): void {
    if (this.#queued) this.#queued.push(message)
    else this.#port.postMessage(message)
  }
}

/** What the worker needs to know of a workplace. */
function snapshotOf(workplace: Workplace): WorkplaceSnapshot {
  const docs: Record<string, string> = {}
  for (const [entry, url] of Object.entries(workplace.doc?.docs ?? {})) {
    if (isChatEntry(entry) && typeof url === 'string') docs[entry] = url
  }
  const keys = workplace
    .keyClaims()
    .filter((pair): pair is [string, string] => pair.every((x) => typeof x === 'string'))
  return {
    id: workplace.id,
    self: workplace.self as PeerId,
    isOwner: workplace.isOwner(workplace.self),
    membership: workplace.membership,
    keys,
    docs,
  }
}
