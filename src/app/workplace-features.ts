import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { watchChatNotifications } from '../crdt/chat/chat-notifications.ts'
import { rootDocsRegistrar } from '../crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../crdt/chat/workplace-chat.ts'
import type { ChatApi } from '../crdt/chat/chat-api.ts'
import type { DocumentsWorkerHost } from '../crdt/documents-worker/documents-worker-host.ts'
import type { ContactBookApi } from '../crdt/contacts/contact-book-api.ts'
import type { ContactListStore } from '../crdt/contacts/contact-list-store.ts'
import { openContactBook } from '../crdt/contacts/open-contact-book.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { FilesService } from '../files/files-service.ts'
import type { WorkplaceFiles } from '../files/workplace-files.ts'
import type { BrowserNotifier } from '../crdt/chat/browser-notifier.ts'

/**
 * What one workplace offers besides membership: its chat and files (opened with the workplace,
 * so unread counts, notifications and replicas work while another screen shows) and its
 * contact book (on demand).
 */
export class WorkplaceFeatures {
  readonly chat: Promise<ChatApi>
  /** The workplace's files, opened with it so the Syncer's replica plans are carried out. */
  readonly files: Promise<WorkplaceFiles>
  readonly #workplace: Workplace
  #contacts: Promise<ContactBookApi> | undefined
  readonly #worker: DocumentsWorkerHost | undefined
  readonly #contactLists: ContactListStore | undefined
  #openChat: ChatApi | undefined
  /** The chat's documents, when it runs in this thread (for sync status). */
  #localChat: WorkplaceChat | undefined
  readonly #offs: (() => void)[] = []
  #closed = false
  /** Gives up a chat (held in this thread) still waiting to exist once these close. */
  readonly #opening = new AbortController()

  constructor(options: {
    workplace: Workplace
    repo: Repo
    /** Sends a local change to linked members at once (see ChangePush). */
    push: (handle: DocHandle<unknown>) => void
    notifier: BrowserNotifier
    isHidden: () => boolean
    files: FilesService
    /**
     * The documents worker: the chat and the contact book run there if it holds them (its
     * `features`); else in this thread.
     */
    chats?: DocumentsWorkerHost
    /** This device's stored contact lists, shown while a contact book loads. */
    contactLists?: ContactListStore
  }) {
    const wp = options.workplace
    this.#workplace = wp
    this.#contactLists = options.contactLists
    this.#worker = options.chats
    this.files = options.files.open(wp)
    this.files.catch((error: unknown) => console.error(`files of ${wp.name} could not open`, error))
    this.chat = options.chats?.features.has('chat')
      ? options.chats.open(wp)
      : WorkplaceChat.open({
          workplace: wp,
          repo: options.repo,
          register: rootDocsRegistrar(wp.handle),
          push: options.push,
          signal: this.#opening.signal,
        }).then((chat) => (this.#localChat = chat))
    this.chat
      .then((chat) => {
        // Closed while the chat opened (say, the workplace was left): nothing else closes it.
        if (this.#closed) {
          chat.close().catch((error: unknown) => console.warn(`chat of ${wp.name}: close`, error))
          return
        }
        this.#openChat = chat
        const names = () => new Map(wp.members().map((m) => [m.peer, m.name]))
        this.#offs.push(
          watchChatNotifications({
            chat,
            workplaceId: wp.id,
            workplaceName: () => wp.name,
            nameOf: (peer) => names().get(peer) ?? 'Someone',
            isHidden: options.isHidden,
            notifier: options.notifier,
          }),
        )
      })
      .catch((error: unknown) => {
        if (!this.#closed) console.error(`chat of ${wp.name} could not open`, error)
      })
  }

  /** The chat, once it has opened. */
  get openedChat(): ChatApi | undefined {
    return this.#openChat
  }

  contacts(): Promise<ContactBookApi> {
    this.#contacts ??= this.#worker?.features.has('contacts')
      ? this.#remoteContacts(this.#worker)
      : openContactBook(this.#workplace, this.#contactLists ? { lists: this.#contactLists } : {})
    this.#contacts.catch(() => (this.#contacts = undefined))
    return this.#contacts
  }

  /** The book in the documents worker: returned once its stored list (if any) is shown. */
  async #remoteContacts(worker: DocumentsWorkerHost): Promise<ContactBookApi> {
    const lists = this.#contactLists
    const book = worker.contacts(
      this.#workplace,
      lists ? { store: lists, key: this.#workplace.id } : undefined,
    )
    await book.previewed
    return book
  }

  /** The feature documents opened so far, for sync status (root and kinds come from Workplace). */
  handles(): DocHandle<unknown>[] {
    return this.#localChat ? (this.#localChat.handles() as DocHandle<unknown>[]) : []
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#opening.abort()
    for (const off of this.#offs.splice(0)) off()
    await this.#openChat?.close()
    if (this.#contacts) (await this.#contacts.catch(() => undefined))?.close()
  }
}
