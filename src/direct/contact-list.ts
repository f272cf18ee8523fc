import { fromBase64Url } from '../lib/base64.ts'
import { Emitter } from '../lib/emitter.ts'
import { peerIdFromPublicKey } from '../peer/identity/peer-id.ts'
import { safetyNumber } from '../peer/identity/safety-number.ts'
import type { PeerId } from '../peer/ids.ts'
import type { DeviceContact } from './direct-model.ts'
import type { DirectStore } from './direct-store.ts'

export interface ContactListEvents extends Record<string, unknown> {
  change: void
}

/**
 * The devices this one has met (known contacts): the name each gave in its hello, its public
 * key once proven to derive its peer ID, when it was last seen, unread counts. Kept on the
 * device.
 */
export class ContactList extends Emitter<ContactListEvents> {
  readonly #store: DirectStore
  readonly #now: () => number
  readonly #log: (message: string) => void
  readonly #selfKey: Uint8Array
  readonly #contacts = new Map<PeerId, DeviceContact>()

  constructor(options: {
    store: DirectStore
    selfKey: Uint8Array
    now: () => number
    log: (message: string) => void
  }) {
    super()
    this.#store = options.store
    this.#selfKey = options.selfKey
    this.#now = options.now
    this.#log = options.log
  }

  async load(): Promise<void> {
    for (const contact of await this.#store.contacts()) this.#contacts.set(contact.peer, contact)
    this.emit('change', undefined)
  }

  /** Most recent conversation first, then most recently seen. */
  list(): DeviceContact[] {
    return [...this.#contacts.values()].sort(
      (a, b) => b.lastMessageAt - a.lastMessageAt || b.lastSeen - a.lastSeen,
    )
  }

  get(peer: PeerId): DeviceContact | undefined {
    return this.#contacts.get(peer)
  }

  nameOf(peer: PeerId): string {
    return this.#contacts.get(peer)?.name ?? `Device ${peer.slice(0, 4).toUpperCase()}`
  }

  /** The 12-digit number both people see alike, or null before the peer's key is known. */
  safetyNumber(peer: PeerId): string | null {
    const key = this.#contacts.get(peer)?.key
    return key ? safetyNumber(this.#selfKey, fromBase64Url(key)) : null
  }

  /** A hello over the peer's link: its name, and its key if that key derives its peer ID. */
  async hello(peer: PeerId, name: string | null, key: string): Promise<void> {
    let proven: string | null = null
    try {
      if ((await peerIdFromPublicKey(fromBase64Url(key))) === peer) proven = key
    } catch {
      // Not a key: treated like a key that does not match.
    }
    if (!proven) this.#log(`hello from ${peer} has a key that is not its own; key ignored`)
    await this.#update(peer, (c) => {
      c.name = name
      if (proven) c.key = proven
      c.lastSeen = this.#now()
    })
  }

  seen(peer: PeerId): Promise<void> {
    return this.#update(peer, (c) => (c.lastSeen = this.#now()))
  }

  /** A message of the conversation was stored; an incoming one counts as unread. */
  messaged(peer: PeerId, at: number, unread: boolean): Promise<void> {
    return this.#update(peer, (c) => {
      c.lastMessageAt = Math.max(c.lastMessageAt, at)
      if (unread) c.unread++
    })
  }

  markRead(peer: PeerId): Promise<void> {
    if (!this.#contacts.get(peer)?.unread) return Promise.resolve()
    return this.#update(peer, (c) => (c.unread = 0))
  }

  setVerified(peer: PeerId, verified: boolean): Promise<void> {
    return this.#update(peer, (c) => (c.verified = verified))
  }

  async #update(peer: PeerId, change: (contact: DeviceContact) => void): Promise<void> {
    const now = this.#now()
    const contact: DeviceContact = {
      ...(this.#contacts.get(peer) ?? {
        peer,
        name: null,
        key: null,
        firstSeen: now,
        lastSeen: now,
        lastMessageAt: 0,
        unread: 0,
        verified: false,
      }),
    }
    change(contact)
    this.#contacts.set(peer, contact)
    this.emit('change', undefined)
    await this.#store.putContact(contact)
  }
}
