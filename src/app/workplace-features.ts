import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { watchChatNotifications } from '../crdt/chat/chat-notifications.ts'
import { rootDocsRegistrar } from '../crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../crdt/chat/workplace-chat.ts'
import type { ContactBook } from '../crdt/contacts/contact-book.ts'
import { openContactBook } from '../crdt/contacts/open-contact-book.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { BrowserNotifier } from '../ui/chat/browser-notifier.ts'

/**
 * What one workplace offers besides membership: its chat (opened with the workplace, so unread
 * counts and notifications work while another screen shows) and its contact book (on demand).
 */
export class WorkplaceFeatures {
  readonly chat: Promise<WorkplaceChat>
  readonly #workplace: Workplace
  #contacts: Promise<ContactBook> | undefined
  #openChat: WorkplaceChat | undefined
  readonly #offs: (() => void)[] = []

  constructor(options: {
    workplace: Workplace
    repo: Repo
    notifier: BrowserNotifier
    isHidden: () => boolean
  }) {
    const wp = options.workplace
    this.#workplace = wp
    this.chat = WorkplaceChat.open({
      workplace: wp,
      repo: options.repo,
      register: rootDocsRegistrar(wp.handle),
    })
    this.chat
      .then((chat) => {
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
      .catch((error: unknown) => console.error(`chat of ${wp.name} could not open`, error))
  }

  contacts(): Promise<ContactBook> {
    this.#contacts ??= openContactBook(this.#workplace)
    this.#contacts.catch(() => (this.#contacts = undefined))
    return this.#contacts
  }

  /** The feature documents opened so far, for sync status (root and kinds come from Workplace). */
  handles(): DocHandle<unknown>[] {
    return this.#openChat ? (this.#openChat.handles() as DocHandle<unknown>[]) : []
  }

  async close(): Promise<void> {
    for (const off of this.#offs.splice(0)) off()
    await this.#openChat?.close()
    if (this.#contacts) (await this.#contacts.catch(() => undefined))?.close()
  }
}
