import type { HashHex } from '../files/hashing.ts'
import { toBase64Url } from '../lib/base64.ts'
import { Emitter } from '../lib/emitter.ts'
import type { Identity } from '../peer/identity/identity.ts'
import type { PeerId } from '../peer/ids.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import { systemClock, type Clock } from '../lib/clock.ts'
import { ContactList } from './contact-list.ts'
import { Conversations } from './conversations.ts'
import { DirectFiles, type PreparingFile, type TransferProgress } from './direct-files.ts'
import { DirectLinks } from './direct-links.ts'
import type { DirectMessage, FileMessage } from './direct-model.ts'
import { DirectInvites } from './direct-invites.ts'
import type { DirectFileEngine, NameSource } from './direct-ports.ts'
import { newMessageId, text as validText, type AckedWire } from './direct-protocol.ts'
import type { DirectStore } from './direct-store.ts'
import { Nearby } from './nearby.ts'
import { Outbox } from './outbox.ts'
import { PeerReach } from './peer-reach.ts'
import { InboundQueue } from './receive-direct.ts'

export interface DirectServiceOptions {
  identity: Pick<Identity, 'peerId' | 'publicKey'>
  /** This device's display name, said to every linked device. */
  profile: NameSource
  /** Direct messages use its link-only lane; nearby devices, its first-contact topics. */
  mesh: MeshPort
  /** The files engine (FilesService.transfers). */
  files: DirectFileEngine
  store: DirectStore
  clock?: Clock
  randomBytes?: (bytes: Uint8Array) => void
  log?: (message: string) => void
  /** An unacked message is sent again after this long while linked. Default 5 s. */
  retryMs?: number
  /** Whether to show this device to nearby devices at first. Default true. */
  nearbyVisible?: boolean
}

/** A device as the Nearby and contacts lists show it. */
export interface PeerView {
  peer: PeerId
  name: string
  /** On the same network now. */
  nearby: boolean
  /** Linked now: messages go at once. */
  online: boolean
  /** Met before (a contact is kept on this device). */
  known: boolean
  unread: number
  verified: boolean
  lastSeen: number | null
}

export interface DirectServiceEvents extends Record<string, unknown> {
  change: void
  /** A new message from another device (for a notification). */
  incoming: { peer: PeerId; message: DirectMessage }
}

/**
 * Direct messages and files between two devices, with no workplace: nearby devices, known
 * contacts, conversations kept on the device, delivery acks with retries, file offers the
 * receiver accepts or declines, and invites into workplaces. The UI reads it and calls it.
 */
export class DirectService extends Emitter<DirectServiceEvents> {
  readonly self: PeerId
  readonly contactList: ContactList
  readonly conversations: Conversations
  readonly nearbyDevices: Nearby
  /** Invites into workplaces: `setWorkplaces` once they have loaded. */
  readonly invites: DirectInvites
  readonly #o: DirectServiceOptions
  readonly #clock: Clock
  readonly #stamp: () => number
  readonly #links: DirectLinks
  readonly #outbox: Outbox
  readonly #reach: PeerReach
  readonly #files: DirectFiles
  readonly #viewing = new Set<PeerId>()
  readonly #inbound: InboundQueue
  readonly #offs: (() => void)[] = []
  readonly #log: (message: string) => void

  /** Builds the service and loads what the device keeps, then starts listening. */
  static async open(options: DirectServiceOptions): Promise<DirectService> {
    const service = new DirectService(options)
    await service.#start()
    return service
  }

  private constructor(options: DirectServiceOptions) {
    super()
    this.#o = options
    this.self = options.identity.peerId
    this.#clock = options.clock ?? systemClock()
    const now = () => this.#clock.now()
    // Conversation order is local time made strictly increasing, so messages that arrive
    // within one millisecond keep their order.
    let lastStamp = -Infinity
    const stamp = () => (lastStamp = Math.max(now(), lastStamp + 1))
    this.#stamp = stamp
    const log = options.log ?? ((message: string) => console.warn(`[direct] ${message}`))
    this.#log = log
    const random =
      options.randomBytes ??
      ((b: Uint8Array) => crypto.getRandomValues(b as Uint8Array<ArrayBuffer>))
    this.contactList = new ContactList({
      store: options.store,
      selfKey: options.identity.publicKey,
      now,
      log,
    })
    this.conversations = new Conversations(options.store)
    this.invites = new DirectInvites(async (peer, workplace, url) => {
      this.#check(peer)
      await this.#send(peer, (id, at) => ({ t: 'invite', id, at, workplace, url }), {
        kind: 'invite',
        workplace,
        url,
      })
    })
    this.nearbyDevices = new Nearby({ mesh: options.mesh })
    this.#links = new DirectLinks({ mesh: options.mesh, now, log })
    this.#outbox = new Outbox({
      store: options.store,
      links: this.#links,
      clock: this.#clock,
      ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
    })
    this.#reach = new PeerReach({
      mesh: options.mesh,
      isNearby: (peer) => this.nearbyDevices.has(peer),
    })
    this.#files = new DirectFiles({
      self: this.self,
      engine: options.files,
      conversations: this.conversations,
      outbox: this.#outbox,
      reach: this.#reach,
      now: stamp,
      newId: () => newMessageId(random),
      log,
    })
    this.#inbound = new InboundQueue({
      self: this.self,
      now: stamp,
      contacts: this.contactList,
      conversations: this.conversations,
      files: this.#files,
      outbox: this.#outbox,
      send: (to, ack) => this.#links.send(to, ack),
      viewing: (peer) => this.#viewing.has(peer),
      incoming: (peer, message) => this.emit('incoming', { peer, message }),
      log,
    })
  }

  async #start(): Promise<void> {
    const changed = () => this.emit('change', undefined)
    this.#offs.push(
      this.contactList.on('change', changed),
      this.conversations.on('change', changed),
      this.invites.on('change', changed),
      this.#files.on('change', changed),
      this.nearbyDevices.on('change', () => {
        this.#reach.refresh()
        changed()
      }),
      this.#outbox.on('pending', ({ peer, pending }) =>
        pending ? this.#reach.want(peer, 'outbox') : this.#reach.release(peer, 'outbox'),
      ),
      this.#outbox.on('delivered', ({ peer, ids }) => void this.#delivered(peer, ids)),
      this.#links.on('link', ({ peer, up }) => {
        if (up) {
          this.#hello(peer)
          this.#outbox.flush(peer)
        }
        this.#reach.refresh()
        changed()
      }),
      this.#links.on('message', ({ peer, wire }) => {
        if (wire.t === 'answer') this.#files.answerArrived(peer, wire)
        this.#inbound.push(peer, wire)
      }),
      this.#o.profile.on('change', () => {
        for (const peer of this.#o.mesh.presence.linkedPeers()) this.#hello(peer)
      }),
    )
    await this.contactList.load()
    await this.#outbox.load()
    await this.#files.load()
    this.#links.start()
    this.nearbyDevices.setVisible(this.#o.nearbyVisible ?? true)
  }

  /** The nearby devices, named. */
  nearby(): PeerView[] {
    return this.nearbyDevices.peers().map((peer) => this.peerView(peer))
  }

  /** Devices met before, most recent conversation first. */
  contacts(): PeerView[] {
    return this.contactList.list().map((c) => this.peerView(c.peer))
  }

  peerView(peer: PeerId): PeerView {
    const contact = this.contactList.get(peer)
    return {
      peer,
      name: this.contactList.nameOf(peer),
      nearby: this.nearbyDevices.has(peer),
      online: this.#links.linked(peer),
      known: contact !== undefined,
      unread: contact?.unread ?? 0,
      verified: contact?.verified ?? false,
      lastSeen: contact?.lastSeen ?? null,
    }
  }

  /** Unread incoming messages over all conversations (for a badge). */
  unreadTotal(): number {
    return this.contactList.list().reduce((sum, c) => sum + c.unread, 0)
  }

  safetyNumber(peer: PeerId): string | null {
    return this.contactList.safetyNumber(peer)
  }

  setVerified(peer: PeerId, verified: boolean): Promise<void> {
    return this.contactList.setVerified(peer, verified)
  }

  /**
   * Opens a conversation: loads it, keeps a link to the peer while it is open, and counts its
   * messages as read while `viewing`. Returns the function that closes it.
   */
  openConversation(peer: PeerId): () => void {
    this.#reach.want(peer, 'open')
    this.#viewing.add(peer)
    void this.conversations.open(peer).catch((error: unknown) => {
      this.#log(`conversation with ${peer} could not be loaded: ${String(error)}`)
    })
    void this.contactList.markRead(peer)
    return () => {
      this.#viewing.delete(peer)
      this.#reach.release(peer, 'open')
    }
  }

  /** The messages of a conversation loaded so far, oldest first (empty until loaded). */
  messages(peer: PeerId): readonly DirectMessage[] {
    return this.conversations.loaded(peer) ?? []
  }

  /** Whether an outgoing message still waits for its ack. */
  waiting(message: DirectMessage): boolean {
    return message.author === this.self && this.#outbox.waits(message.peer, message.id)
  }

  async sendText(peer: PeerId, text: string): Promise<void> {
    this.#check(peer)
    const body = validText(text)
    await this.#send(peer, (id, at) => ({ t: 'text', id, at, text: body }), {
      kind: 'text',
      text: body,
    })
  }

  /** Offers files to a device; each is read into the store first. */
  async sendFiles(peer: PeerId, files: readonly File[]): Promise<void> {
    this.#check(peer)
    for (const file of files) {
      await this.#files.send(peer, file, file.name)
      await this.contactList.messaged(peer, this.#clock.now(), false)
    }
  }

  accept(peer: PeerId, offerId: string): Promise<void> {
    return this.#files.accept(peer, offerId)
  }

  decline(peer: PeerId, offerId: string): Promise<unknown> {
    return this.#files.decline(peer, offerId)
  }

  cancel(message: FileMessage): Promise<void> {
    return this.#files.cancel(message)
  }

  progress(message: FileMessage): TransferProgress | null {
    return this.#files.progress(message)
  }

  preparing(peer: PeerId): PreparingFile[] {
    return this.#files.preparing(peer)
  }

  /** A received file's bytes, chunk by chunk (for saving). */
  read(fileId: HashHex): AsyncGenerator<Uint8Array> {
    return this.#files.read(fileId)
  }

  get nearbyVisible(): boolean {
    return this.nearbyDevices.visible
  }

  setNearbyVisible(visible: boolean): void {
    this.nearbyDevices.setVisible(visible)
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.invites.close()
    this.#files.close()
    this.#outbox.close()
    this.#links.close()
    this.#reach.close()
    this.nearbyDevices.close()
    this.#o.store.close()
    this.removeAllListeners()
  }

  #check(peer: PeerId): void {
    if (peer === this.self) throw new Error('This is this device.')
  }

  async #send(
    peer: PeerId,
    wire: (id: string, at: number) => AckedWire,
    body: { kind: 'text'; text: string } | { kind: 'invite'; workplace: string; url: string },
  ): Promise<void> {
    const id = newMessageId(
      this.#o.randomBytes ?? ((b) => crypto.getRandomValues(b as Uint8Array<ArrayBuffer>)),
    )
    const at = this.#stamp()
    const base = { peer, id, author: this.self, sentAt: at, at, unread: false } as const
    await this.conversations.add({ ...base, delivery: 'queued', ...body })
    void this.contactList.messaged(peer, at, false)
    await this.#outbox.enqueue(peer, wire(id, at))
  }

  async #delivered(peer: PeerId, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.conversations.update(peer, this.self, id, (m) =>
        m.delivery === 'queued' ? { ...m, delivery: 'delivered' } : undefined,
      )
    }
  }

  #hello(peer: PeerId): void {
    this.#links.send(peer, {
      t: 'hello',
      name: this.#o.profile.name,
      key: toBase64Url(this.#o.identity.publicKey),
    })
  }
}
