import {
  Repo,
  type DocHandle,
  type Message,
  type PeerId as RepoPeerId,
} from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import { CHAT_DOC_KIND, initialChatIndex } from '../chat/chat-doc.ts'
import type { HistoryDelays } from '../chat/shard-history.ts'
import { rootDocsEntry } from '../chat/shard-registrar.ts'
import { WorkplaceChat } from '../chat/workplace-chat.ts'
import { CONTACTS_DOC_KIND, initialContactsDoc } from '../contacts/contacts-doc.ts'
import { performChatCall } from './chat-calls.ts'
import { ChatViewPublisher } from './chat-view-publisher.ts'
import {
  DOCUMENTS_WORKER_PROTOCOL,
  checkToWorker,
  toPortError,
  type ChatCall,
  type WorkerPort,
  type FromDocumentsWorker,
  type ToDocumentsWorker,
  type WorkplaceSnapshot,
} from './documents-worker-protocol.ts'
import { DocHeadsReporter } from './doc-heads-reporter.ts'
import { PendingCalls } from './pending-calls.ts'
import { PortNetworkAdapter } from './port-network-adapter.ts'
import { WorkerContacts } from './worker-contacts.ts'
import type { WorkerExtension, WorkerExtensionRuntime } from './worker-extension.ts'
import { ProtocolError } from './protocol-error.ts'
import { WorkerPushes } from './worker-pushes.ts'
import { WorkerWorkplace } from './worker-workplace.ts'
import type { AtRestLoan, WorkerStorage } from './worker-storage.ts'
import { shutdownRepo } from '../repo/shutdown-repo.ts'
import { LATE, within } from '../../lib/within.ts'

interface OpenChat {
  workplace: WorkerWorkplace
  chat: Promise<WorkplaceChat>
  /** Gives up an opening still waiting for the chat to exist (closeChat). */
  opening: AbortController
  publisher?: ChatViewPublisher
  opened?: WorkplaceChat
}

/** A workplace's documents in the worker, reported to the page for its sync status. */
interface Reported {
  reporter: DocHeadsReporter
  /** The heads the page knows other members hold. */
  confirm: (heads: Record<string, string[]>) => void
}

/**
 * How long closing a chat waits for one still opening (reading its shards, say) before going
 * on without it: one waiting for documents nobody online holds may never open. Well within
 * the page's wait for a 'forget' or a 'shutdown' (DocumentsWorkerHost's CONFIRM_WAIT_MS).
 */
const CLOSE_WAIT_MS = 2000

/** Options for tests: a chat's timings (WorkplaceChat's options). */
export interface DocumentsWorkerTuning {
  receiptDelayMs?: number
  receiptIntervalMs?: number
  historyDelays?: HistoryDelays
  /** How a chat this worker starts is sharded (see initialChatIndex). */
  index?: { bucketMs?: number; shardLimit?: number }
}

export interface DocumentsWorkerOptions extends DocumentsWorkerTuning {
  /**
   * Opens the documents' storage (sealed with the at-rest key the page lends): the page repo's
   * database, so both read what either wrote. Called once, at start.
   */
  storage: () => WorkerStorage
  /** Features supplied by the layers above (the file index), run here too. */
  extensions?: readonly WorkerExtension[]
}

/**
 * The documents worker: one automerge-repo holding the documents of the features run here (the
 * chats: reading, verifying, writing, receipts; the contact books: see WorkerContacts; those of
 * `extensions`), and what the page is sent to render. Runs in a dedicated worker in the browser, or on a MessagePort in
 * tests. A message that does not follow the protocol is refused (a call with an error reply).
 */
export function runChatWorker(
  port: WorkerPort<ToDocumentsWorker, FromDocumentsWorker>,
  options: DocumentsWorkerOptions,
): void {
  const { index, storage: openStorage, ...timings } = options
  const post = (message: FromDocumentsWorker) => port.postMessage(message)
  const calls = new PendingCalls()
  const chats = new Map<string, OpenChat>()
  const workplaces = new Map<string, WorkerWorkplace>()
  const reported = new Map<string, Reported>()
  /**
   * What the page last confirmed of each workplace: it sends the same only once, maybe before
   * the workplace's documents open here.
   */
  const lastConfirmed = new Map<string, Record<string, string[]>>()
  /** A workplace's documents here changed (or one opened): its heads go to the page soon. */
  const headsChanged = (workplace: string) => {
    const known = reported.get(workplace)
    if (known) return known.reporter.changed()
    let confirmed = lastConfirmed.get(workplace) ?? {}
    const reporter = new DocHeadsReporter(
      () => [
        ...((chats.get(workplace)?.opened?.handles() ?? []) as DocHandle<unknown>[]),
        ...contacts.handles(workplace),
        ...[...extensions.values()].flatMap((runtime) => runtime.handles(workplace)),
      ],
      () => confirmed,
      (heads, waiting) => post({ t: 'heads', workplace, heads, waiting }),
      () => workplaces.get(workplace)?.fetching() ?? [],
    )
    reported.set(workplace, {
      reporter,
      confirm: (heads) => {
        confirmed = heads
        reporter.changed()
      },
    })
  }
  const contacts = new WorkerContacts({
    opened: headsChanged,
    rows: (workplace, book, update) => post({ t: 'contacts-rows', workplace, book, update }),
    failed: (workplace, book, error) => {
      const { name, message } = toPortError(error)
      post({ t: 'contacts-failed', workplace, book, error: { name, message } })
    },
  })
  const extensions = new Map<string, WorkerExtensionRuntime>()
  for (const extension of options.extensions ?? []) {
    const { feature } = extension
    extensions.set(
      feature,
      extension.start({
        post: (message) => post({ t: 'ext', feature, message }),
        workplace: (id) => workplaces.get(id),
        changed: headsChanged,
      }),
    )
  }
  const extensionKinds = (options.extensions ?? []).flatMap((e) => [...e.kinds])
  let repo: Repo | undefined
  let network: PortNetworkAdapter | undefined
  let identity: Identity | undefined
  let storage: WorkerStorage | undefined
  /** Whether `peer` is a member of the workplace holding `doc`, as the snapshots say. */
  const mayExchange = (peer: PeerId, doc: string): boolean =>
    [...workplaces.values()].some((workplace) => workplace.holds(doc) && workplace.isMember(peer))
  const pushes = new WorkerPushes({
    post,
    handle: (doc) => repo?.handles[doc as keyof Repo['handles']],
    peers: () => network?.peers() ?? [],
    mayExchange,
    self: () => identity?.peerId,
  })

  const start = (
    self: PeerId,
    publicKey: Uint8Array,
    key: CryptoKey | undefined,
    loan: AtRestLoan,
  ) => {
    identity = {
      peerId: self,
      publicKey,
      // With the device's WebCrypto key here, a signature costs no round trip to the page.
      sign: key
        ? async (data) =>
            new Uint8Array(await crypto.subtle.sign('Ed25519', key, data as BufferSource))
        : (data) => calls.call<Uint8Array>((id) => post({ t: 'sign', id, data })),
    }
    network = new PortNetworkAdapter(
      (message: Message) => post({ t: 'repo', message }),
      pushes.pushed,
    )
    storage = openStorage()
    storage.lend(loan)
    repo = new Repo({
      peerId: self as unknown as RepoPeerId,
      network: [network],
      storage: storage.adapter,
      enableRemoteHeadsGossiping: false,
      shareConfig: {
        // The page checks access again on every message both ways.
        announce: async (peer, doc) =>
          doc !== undefined && mayExchange(peer as unknown as PeerId, doc),
        access: async () => true,
      },
    })
  }

  /** Takes in a workplace's snapshot; opens its chat with the first that says it runs here. */
  const workplaceSeen = (snapshot: WorkplaceSnapshot): void => {
    if (!repo || !identity) throw new Error('the documents worker was not started')
    let workplace = workplaces.get(snapshot.id)
    if (workplace) workplace.update(snapshot)
    else {
      workplace = new WorkerWorkplace({
        snapshot,
        identity,
        repo,
        register: (entry, url) => post({ t: 'register', workplace: snapshot.id, entry, url }),
        init: new Map<string, () => unknown>([
          [CHAT_DOC_KIND, () => initialChatIndex(index)],
          [CONTACTS_DOC_KIND, initialContactsDoc],
          ...extensionKinds,
        ]),
        awaitEntry: new Set([CONTACTS_DOC_KIND, ...extensionKinds.map(([kind]) => kind)]),
      })
      workplaces.set(snapshot.id, workplace)
      const id = snapshot.id
      workplace.on('fetching', () => headsChanged(id))
    }
    if (snapshot.chat && !chats.has(snapshot.id)) openChat(workplace, snapshot)
  }

  const openChat = (workplace: WorkerWorkplace, snapshot: WorkplaceSnapshot): void => {
    if (!repo) throw new Error('the documents worker was not started')
    const opening = new AbortController()
    const chat = WorkplaceChat.open({
      workplace,
      repo,
      register: ({ key, url }) => workplace.registerDoc(rootDocsEntry(key), url),
      push: (handle: DocHandle<unknown>) => pushes.pushLast(handle),
      signal: opening.signal,
      ...timings,
    })
    const open: OpenChat = { workplace, chat, opening }
    chats.set(snapshot.id, open)
    chat.then(
      (opened) => {
        if (chats.get(snapshot.id) !== open) return // closed meanwhile: closeChat closes it
        open.opened = opened
        open.publisher = new ChatViewPublisher(opened, (update) =>
          post({ t: 'view', workplace: snapshot.id, update }),
        )
        open.publisher.flush()
        opened.on('incoming', (messages) => open.publisher?.incoming(messages))
        opened.on('change', () => headsChanged(snapshot.id))
        headsChanged(snapshot.id)
      },
      (error: unknown) => {
        if (opening.signal.aborted) return // closed before it opened: nobody waits for it
        post({ t: 'failed', workplace: snapshot.id, error: toPortError(error) })
      },
    )
  }

  const call = async (workplace: string, request: ChatCall): Promise<unknown> => {
    const open = chats.get(workplace)
    if (!open) throw new Error(`no chat open for workplace ${workplace}`)
    const value = await performChatCall(await open.chat, request)
    // The page sees a call's effect no later than its reply.
    open.publisher?.flush()
    return value
  }

  const closeChat = async (workplace: string): Promise<void> => {
    const open = chats.get(workplace)
    if (!open) return
    chats.delete(workplace)
    open.publisher?.close()
    // A chat waiting to exist, or for documents nobody online holds, would hold this (and a
    // 'forget' or a 'shutdown') for ever: the first gives up; past a bound, the rest is
    // closed whenever it opens.
    open.opening.abort()
    const chat = await within(
      open.chat.catch(() => undefined),
      CLOSE_WAIT_MS,
    )
    if (chat !== LATE) return chat?.close()
    console.warn(`chat of ${workplace} still opening after ${CLOSE_WAIT_MS} ms: closed once open`)
    open.chat.then((late) => late.close()).catch(() => {})
  }

  /** The workplace was left: everything opened for it here closes, and it is forgotten. */
  const forget = async (workplace: string): Promise<void> => {
    await closeChat(workplace)
    await contacts.close(workplace)
    for (const runtime of extensions.values()) await runtime.close(workplace)
    reported.get(workplace)?.reporter.close()
    reported.delete(workplace)
    lastConfirmed.delete(workplace)
    workplaces.get(workplace)?.close()
    workplaces.delete(workplace)
  }

  const reply = (id: number, work: () => Promise<unknown>) => {
    work().then(
      (value) => post({ t: 'reply', id, ok: true, value }),
      (error: unknown) => post({ t: 'reply', id, ok: false, error: toPortError(error) }),
    )
  }

  /** Checks a message; one that does not follow the protocol is refused, never acted on. */
  const checked = (raw: unknown): ToDocumentsWorker | undefined => {
    try {
      return checkToWorker(raw)
    } catch (error) {
      console.warn(String(error))
      const id = (raw as { id?: unknown } | null)?.id
      const t = (raw as { t?: unknown } | null)?.t
      if (typeof id === 'number' && t !== 'reply' && t !== 'contacts-cancel')
        post({ t: 'reply', id, ok: false, error: toPortError(error) })
      return undefined
    }
  }

  /** A message of a feature run by an extension: it checks it; one it refuses gets an error. */
  const extensionMessage = (feature: string, message: unknown): void => {
    try {
      const runtime = extensions.get(feature)
      if (!runtime) throw new ProtocolError(`documents worker: no feature ${feature}`)
      runtime.receive(message, reply)
    } catch (error) {
      console.warn(String(error))
      const id = (message as { id?: unknown } | null)?.id
      if (typeof id === 'number') post({ t: 'reply', id, ok: false, error: toPortError(error) })
    }
  }

  port.addEventListener('message', ({ data: raw }) => {
    const data = checked(raw)
    if (!data) return
    switch (data.t) {
      case 'hello':
        return post({ t: 'ready', v: DOCUMENTS_WORKER_PROTOCOL })
      case 'start':
        if (data.v !== DOCUMENTS_WORKER_PROTOCOL)
          throw new Error(`documents worker: version ${data.v}`)
        return start(data.self, data.publicKey, data.signingKey, data.vault)
      case 'peer-up':
        return network?.peerUp(data.peer)
      case 'peer-down':
        return network?.peerDown(data.peer)
      case 'repo':
        return network?.receive(data.message)
      case 'push':
        return pushes.relayed(data.from, data.doc, data.change, recipients(data.to))
      case 'channel':
        return pushes.lend(data.peer, data.channel)
      case 'workplace':
        return workplaceSeen(data.snapshot)
      case 'confirmed': {
        lastConfirmed.set(data.workplace, data.heads)
        return reported.get(data.workplace)?.confirm(data.heads)
      }
      case 'shutdown':
        return reply(data.id, async () => {
          await Promise.all([...chats.keys()].map(closeChat))
          await contacts.closeAll()
          for (const runtime of extensions.values()) await runtime.closeAll()
          for (const { reporter } of reported.values()) reporter.close()
          pushes.close()
          if (repo) await shutdownRepo(repo)
          // The repo's shutdown waits for its last saves, not for earlier ones still under way.
          await storage?.savesDone()
        })
      case 'vault':
        storage?.lend(data)
        return reply(data.id, async () => storage?.savesDone())
      case 'close-chat':
        return reply(data.id, () => closeChat(data.workplace))
      case 'forget':
        return reply(data.id, () => forget(data.workplace))
      case 'call': {
        const { id, workplace, method, args } = data
        return reply(id, () => call(workplace, { method, args } as ChatCall))
      }
      case 'reply':
        return calls.settle(data)
      case 'contacts-open': {
        const workplace = workplaces.get(data.workplace)
        if (workplace) contacts.open(workplace, data.book)
        else console.warn(`documents worker: no snapshot of workplace ${data.workplace}`)
        return
      }
      case 'contacts-call': {
        const { id, workplace, call } = data
        return reply(id, () =>
          contacts.call(workplace, id, call, (done, total) =>
            post({ t: 'contacts-progress', id, done, total }),
          ),
        )
      }
      case 'contacts-import-more':
        return contacts.more(data.id, data.contacts)
      case 'contacts-cancel':
        return contacts.cancel(data.id)
      case 'contacts-close':
        return reply(data.id, () => contacts.close(data.workplace))
      case 'ext':
        return extensionMessage(data.feature, data.message)
    }
  })
  post({ t: 'ready', v: DOCUMENTS_WORKER_PROTOCOL })
}

/** The recipients a relayed push named, if they are a list of names. */
function recipients(to: unknown): string[] | undefined {
  return Array.isArray(to) && to.every((peer) => typeof peer === 'string') ? to : undefined
}
