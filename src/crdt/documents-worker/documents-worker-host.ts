import { LATE, within } from '../../lib/within.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { ContactListOptions } from '../contacts/contact-list-keeper.ts'
import type { ChangePush } from '../repo/change-push.ts'
import type { MeshNetworkAdapter } from '../repo/mesh-network-adapter.ts'
import type { RemoteDocs } from '../sync/workplace-sync.ts'
import type { Workplace } from '../workplace/workplace.ts'
import {
  DOCUMENTS_WORKER_PROTOCOL,
  toPortError,
  type WorkerPort,
  type FromDocumentsWorker,
  type ToDocumentsWorker,
} from './documents-worker-protocol.ts'
import { ChannelLender } from './channel-lender.ts'
import { HostedChats } from './hosted-chats.ts'
import { HostedContacts } from './hosted-contacts.ts'
import { PendingCalls } from './pending-calls.ts'
import type { RemoteChat } from './remote-chat.ts'
import type { RemoteContactBook } from './remote-contact-book.ts'
import { WorkerDocs } from './worker-docs.ts'
import { documentIdOf } from '../repo/find-when-available.ts'
import type { HostExtension } from './worker-extension.ts'
import type { AtRestLender } from './worker-storage.ts'
import {
  featureOf,
  snapshotOf,
  snapshotSignature,
  type WorkerFeature,
} from './workplace-snapshot.ts'

export type { WorkerFeature } from './workplace-snapshot.ts'

/** How long closing (the last writes stored) or forgetting a workplace waits for the worker. */
const CONFIRM_WAIT_MS = 5000

interface Hosted {
  workplace: Workplace
  /** What was last sent of the workplace, to send only what changed. */
  sent: string
  off: () => void
}

/**
 * The page's side of the documents worker: carries the worker's repo traffic over the main
 * repo's network (as its RepoSide), lends it a channel on each member's link for its pushes
 * (ChannelLender) and pushes the rest, serves its signatures (a device key it cannot lend), lends
 * it the at-rest key as the storage lock changes, keeps it told of each workplace's membership,
 * and hands the UI a RemoteChat and a RemoteContactBook per workplace (for the features it was
 * given); extensions (the file index) reach their worker side through it.
 */
export class DocumentsWorkerHost {
  readonly #port: WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
  readonly #network: MeshNetworkAdapter
  readonly #changes: ChangePush
  readonly #identity: Identity
  /** The worker's answer to the last change of the storage lock it was told of. */
  #vaultInStep: Promise<unknown> = Promise.resolve()
  readonly #offVault: () => void
  /** The features whose documents the worker holds (their entries and messages go there). */
  readonly features: ReadonlySet<WorkerFeature>
  readonly #calls = new PendingCalls()
  readonly #chats: HostedChats
  readonly #contacts: HostedContacts
  readonly #hosted = new Map<string, Hosted>()
  readonly #extensions = new Map<string, HostExtension>()
  readonly #docs = new Map<string, WorkerDocs>()
  /** Every chat document of the hosted workplaces: their messages go to the worker. */
  readonly #owned = new Set<string>()
  /** What is posted before the worker said it listens (a module worker loads for a while). */
  #queued: ToDocumentsWorker[] | undefined = []
  #failure: Error | undefined
  readonly #lender: ChannelLender
  /** The peers the worker's own channels reach (as it last said). */
  #direct: readonly PeerId[] = []
  /** The worker's pushes this page sent on to at least one peer. */
  #relayed = 0

  constructor(options: {
    port: WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
    network: MeshNetworkAdapter
    changes: ChangePush
    identity: Identity
    /** The at-rest key (lent to the worker); without it the worker stores plain. */
    vault?: AtRestLender
    /** The chat, the contact book and the extensions' features by default. */
    features?: Iterable<WorkerFeature>
    /** Features supplied by the layers above (the file index), run in the worker too. */
    extensions?: readonly HostExtension[]
    /**
     * A new data channel on the link to `peer` (MeshPort.openRawChannel), lent to the worker
     * so that its pushes skip this page; absent, or where it cannot be lent, they cross it.
     */
    rawChannel?: (peer: PeerId) => RTCDataChannel | undefined
  }) {
    for (const extension of options.extensions ?? [])
      this.#extensions.set(extension.feature, extension)
    this.features = new Set(options.features ?? ['chat', 'contacts', ...this.#extensions.keys()])
    this.#port = options.port
    this.#network = options.network
    this.#changes = options.changes
    this.#identity = options.identity
    this.#lender = new ChannelLender({
      make: options.rawChannel,
      transfer: (peer, channel) =>
        this.#port.postMessage({ t: 'channel', peer, channel }, [channel]),
      usable: () => !this.#failure,
    })
    const channel = {
      post: (message: ToDocumentsWorker) => this.#post(message),
      call: (send: (id: number) => void) => this.#calls.call(send),
      tell: (workplace: Workplace) => this.#tell(this.#host(workplace)),
    }
    this.#chats = new HostedChats(channel)
    this.#contacts = new HostedContacts(channel)
    this.#port.addEventListener('message', ({ data }) => this.#received(data))
    this.#port.addEventListener('error', (event) => this.#workerFailed(event))
    // Answered once the worker listens; or its own `ready` comes, if it was still loading.
    this.#port.postMessage({ t: 'hello' })
    this.#post({
      t: 'start',
      v: DOCUMENTS_WORKER_PROTOCOL,
      self: this.#identity.peerId,
      publicKey: this.#identity.publicKey,
      ...(this.#identity.signingKey ? { signingKey: this.#identity.signingKey } : {}),
      vault: options.vault?.lent() ?? { sealing: false },
    })
    const vault = options.vault
    this.#offVault =
      vault?.onUse(() => {
        // A worker that failed writes nothing any more.
        if (this.#failure) return
        this.#vaultInStep = this.#calls
          .call((id) => this.#post({ t: 'vault', id, ...vault.lent() }))
          .catch((error: unknown) => console.error('documents worker: vault not lent', error))
      }) ?? (() => {})
    const owns = (doc: string) => this.#owned.has(doc)
    this.#network.attachSide({
      owns,
      peerUp: (peer) => {
        this.#post({ t: 'peer-up', peer })
        this.#lender.peerUp(peer)
      },
      peerDown: (peer) => {
        this.#post({ t: 'peer-down', peer })
        this.#lender.peerDown(peer)
      },
      deliver: (message) => this.#post({ t: 'repo', message }),
    })
    this.#changes.attachSide({
      owns,
      applyPush: (from, doc, change, to) =>
        this.#post({ t: 'push', from, doc, change, ...(to ? { to: [...to] } : {}) }),
    })
    for (const extension of this.#extensions.values()) {
      const { feature } = extension
      extension.attach({
        post: (message) => this.#post({ t: 'ext', feature, message }),
        call: (make) =>
          this.#calls.call((id) => this.#post({ t: 'ext', feature, message: make(id) })),
        tell: (workplace) => this.#tell(this.#host(workplace)),
        failure: () => this.#failure,
      })
    }
  }

  /** The chat of a workplace, opened in the worker on first call. */
  open(workplace: Workplace): Promise<RemoteChat> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (!this.features.has('chat'))
      return Promise.reject(new Error('the chat is not in the worker'))
    return this.#chats.open(workplace)
  }

  /** The contact book of a workplace, its document loaded in the worker (see HostedContacts). */
  contacts(workplace: Workplace, list?: ContactListOptions): RemoteContactBook {
    if (this.#failure) throw this.#failure
    if (!this.features.has('contacts')) throw new Error('the contact book is not in the worker')
    // Hosted from now on: the worker hears of the workplace's changes, as for its chat.
    this.#host(workplace)
    return this.#contacts.book(workplace, list)
  }

  #host(workplace: Workplace): Hosted {
    let hosted = this.#hosted.get(workplace.id)
    if (!hosted) {
      const made: Hosted = {
        workplace,
        sent: '',
        off: workplace.on('change', () => this.#tell(made)),
      }
      this.#hosted.set(workplace.id, made)
      hosted = made
    }
    return hosted
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

  /** The documents the worker holds, with their heads as it last reported them. */
  heldDocuments(): Record<string, string[]> {
    const held: Record<string, string[]> = {}
    for (const docs of this.#docs.values()) Object.assign(held, docs.heads())
    return held
  }

  /**
   * The page's documents store re-sealed once the worker writes the way the vault last changed
   * to and has stored every write it began the old way (the worker shares the database: a write
   * of its landing after the re-seal read the values would stay the old way).
   */
  resealing(documents: Resealable): Resealable {
    return {
      reseal: async (onProgress) => {
        await this.#vaultInStep
        await documents.reseal(onProgress)
      },
    }
  }

  /**
   * Which way the worker's pushes go: the peers its own channels reach, and how many of its
   * pushes this page sent on to someone (for the sync report).
   */
  pushPaths(): { direct: PeerId[]; relayed: number } {
    return { direct: [...this.#direct], relayed: this.#relayed }
  }

  /**
   * The workplace was left: the page stops telling the worker of it, and the worker closes what
   * it opened for it (chat, contact book, features' documents) and forgets it.
   */
  async forget(workplace: string): Promise<void> {
    const hosted = this.#hosted.get(workplace)
    hosted?.off()
    this.#hosted.delete(workplace)
    this.#chats.forget(workplace)
    this.#docs.delete(workplace)
    if (this.#failure) return
    // Leaving goes on if the worker fails or does not answer: the page forgets it anyway.
    await this.#callWithin('forgetting a workplace', (id) => ({
      t: 'forget',
      workplace,
      id,
    })).catch((error: unknown) =>
      console.warn(`documents worker: ${workplace} not forgotten`, error),
    )
  }

  /** Closes the worker's chats and repo (their last writes stored). */
  async shutdown(): Promise<void> {
    this.#offVault()
    for (const hosted of this.#hosted.values()) hosted.off()
    this.#hosted.clear()
    this.#chats.forget()
    this.#contacts.clear()
    if (this.#failure) return
    // A worker that stopped answering must not keep the page from closing its stores.
    await this.#callWithin('shutting down', (id) => ({ t: 'shutdown', id }))
  }

  /** Calls the worker; resolves once it answers, or after CONFIRM_WAIT_MS with a warning. */
  async #callWithin(what: string, make: (id: number) => ToDocumentsWorker): Promise<void> {
    const answer = await within(
      this.#calls.call((id) => this.#post(make(id))),
      CONFIRM_WAIT_MS,
    )
    if (answer === LATE) console.warn(`documents worker: did not confirm ${what} in time`)
  }

  /** Sends the worker the workplace's snapshot if what it holds changed. */
  #tell(hosted: Hosted): void {
    const snapshot = snapshotOf(
      hosted.workplace,
      (entry) => {
        const feature = featureOf(entry, this.#extensions)
        return feature !== undefined && this.features.has(feature)
      },
      this.#chats.has(hosted.workplace.id),
    )
    for (const url of Object.values(snapshot.docs)) this.#owned.add(documentIdOf(url))
    const signature = snapshotSignature(snapshot)
    if (signature === hosted.sent) return
    hosted.sent = signature
    this.#post({ t: 'workplace', snapshot })
  }

  #received(message: FromDocumentsWorker): void {
    switch (message.t) {
      case 'ready': {
        if (message.v !== DOCUMENTS_WORKER_PROTOCOL) {
          return console.error(
            `documents worker: speaks version ${message.v}, not ${DOCUMENTS_WORKER_PROTOCOL}`,
          )
        }
        if (!this.#queued) return
        const queued = this.#queued
        this.#queued = undefined
        for (const waiting of queued) this.#port.postMessage(waiting)
        this.#lender.listening()
        return
      }
      case 'repo':
        return this.#network.send(message.message)
      case 'push': {
        const sent = this.#changes.pushChange(message.doc, message.change, message.reached)
        if (sent.length > 0) this.#relayed++
        return
      }
      case 'direct':
        this.#direct = message.peers
        return
      case 'sign':
        return this.#answer(message.id, () => this.#identity.sign(message.data))
      case 'register':
        return this.#register(message.workplace, message.entry, message.url)
      case 'view':
      case 'failed':
        return this.#chats.receive(message)
      case 'heads':
        return this.#docs.get(message.workplace)?.update(message.heads, message.waiting)
      case 'reply':
        return this.#calls.settle(message)
      case 'contacts-rows':
      case 'contacts-progress':
      case 'contacts-failed':
        return this.#contacts.receive(message)
      case 'ext':
        return this.#extensions.get(message.feature)?.receive(message.message)
    }
  }

  /** The worker could not load or broke: no chat can open, and waiting calls fail. */
  #workerFailed(event: Event): void {
    const detail = (event as ErrorEvent).message || 'it did not load'
    const error = new Error(`The chat could not start: ${detail}`)
    console.error('documents worker failed', event)
    this.#failure = error
    this.#chats.failAll(error)
    this.#contacts.failAll(error)
    for (const extension of this.#extensions.values()) extension.failed(error)
    this.#calls.failAll(error)
  }

  /** Lists a chat document in the workplace's root (so that members may sync it). */
  #register(workplace: string, entry: string, url: string): void {
    const feature = featureOf(entry, this.#extensions)
    if (!feature || !this.features.has(feature))
      return console.warn(`documents worker: refused to register ${entry}`)
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

  #post(message: ToDocumentsWorker): void {
    if (this.#queued) this.#queued.push(message)
    else this.#port.postMessage(message)
  }
}

/** A store that re-seals what it holds (src/vault's). */
interface Resealable {
  reseal(onProgress?: (done: number, total: number) => void): Promise<void>
}
