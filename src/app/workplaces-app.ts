import type { ContactListStore } from '../crdt/contacts/contact-list-store.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import type { SyncerFirst } from '../crdt/sync/syncer-first.ts'
import type { SyncReport } from '../crdt/sync/sync-report.ts'
import { WorkplaceSync } from '../crdt/sync/workplace-sync.ts'
import type { ConfirmedHeadsStore } from '../crdt/sync/confirmed-heads-store.ts'
import type { ReachabilityPort } from '../crdt/sync/reachability.ts'
import { decodeWorkplaceLink, encodeWorkplaceLink } from '../crdt/workplace/invite-link.ts'
import type { JoinFlow } from '../crdt/workplace/join-flow.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { WorkplaceStack } from '../crdt/workplace-stack.ts'
import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import type { DirectService } from '../direct/direct-service.ts'
import type { FilesService } from '../files/files-service.ts'
import type { BrowserNotifier } from '../crdt/chat/browser-notifier.ts'
import type { Resealable } from '../vault/storage-lock.ts'
import { WorkplaceFeatures } from './workplace-features.ts'

export interface WorkplacesAppEvents extends Record<string, unknown> {
  change: void
}

/**
 * The workplaces as the UI uses them: the stack's objects plus each workplace's sync status,
 * and the links that let others in.
 */
export class WorkplacesApp extends Emitter<WorkplacesAppEvents> {
  readonly stack: WorkplaceStack
  /** The device's file engine and storage offer, shared by every workplace and direct transfer. */
  readonly files: FilesService
  /** Messages and files to one device, with no workplace. */
  readonly direct: DirectService
  readonly #mesh: MeshPort
  readonly #reach: ReachabilityPort
  readonly #heads: ConfirmedHeadsStore
  readonly #appUrl: string
  readonly #endpoints: () => string[]
  readonly #sync = new Map<string, WorkplaceSync>()
  readonly #features = new Map<string, WorkplaceFeatures>()
  readonly #notifier: BrowserNotifier
  readonly #isHidden: () => boolean
  readonly #syncerFirst: SyncerFirst | undefined
  readonly #contactLists: ContactListStore | undefined
  /** The stores that seal through the at-rest key. */
  readonly sealedStores: readonly Resealable[]

  constructor(options: {
    stack: WorkplaceStack
    mesh: MeshPort
    /** Whether this device can reach anyone at all (for "Offline" in the sync status). */
    reach: ReachabilityPort
    heads: ConfirmedHeadsStore
    appUrl: string
    endpoints: () => string[]
    notifier: BrowserNotifier
    isHidden: () => boolean
    files: FilesService
    direct: DirectService
    /** Told when this device is up to date with a workplace's Syncer, or alone in it. */
    syncerFirst?: SyncerFirst
    /** The stores that seal through the at-rest key (for turning the storage lock on or off). */
    sealed?: readonly Resealable[]
    /** This device's stored contact lists, shown while a contact book loads. */
    contactLists?: ContactListStore
  }) {
    super()
    this.stack = options.stack
    this.files = options.files
    this.direct = options.direct
    this.#mesh = options.mesh
    this.#reach = options.reach
    this.#heads = options.heads
    this.#appUrl = options.appUrl
    this.#endpoints = options.endpoints
    this.#notifier = options.notifier
    this.#isHidden = options.isHidden
    this.#syncerFirst = options.syncerFirst
    this.sealedStores = options.sealed ?? []
    this.#contactLists = options.contactLists
    const track = () => {
      for (const wp of this.stack.workplaces.list()) {
        this.syncOf(wp)
        if (wp.isMember(wp.self)) this.featuresOf(wp)
      }
    }
    track()
    this.stack.workplaces.on('change', () => {
      track()
      this.emit('change', undefined)
    })
  }

  get self(): PeerId {
    return this.#mesh.self
  }

  /** Joining workplaces by invite, and the requests to join the ones this device owns. */
  get joins(): JoinFlow {
    return this.stack.joins
  }

  list(): Workplace[] {
    return this.stack.workplaces.list()
  }

  /** The sync status of a workplace, created on first use. */
  syncOf(wp: Workplace): WorkplaceSync {
    let sync = this.#sync.get(wp.id)
    if (!sync) {
      sync = new WorkplaceSync({
        workplace: wp.id,
        mesh: this.#mesh,
        members: () => [...wp.membership.members.keys()],
        reach: this.#reach,
        handles: () => [...wp.handles(), ...(this.#features.get(wp.id)?.handles() ?? [])],
        fetching: () => wp.fetching(),
        ...(this.stack.chats ? { remote: this.stack.chats.docsOf(wp.id) } : {}),
        store: this.#heads,
      })
      wp.handle.on('change', () => sync!.changed())
      wp.on('fetching', () => sync!.changed())
      this.#syncerFirst?.follow(sync)
      this.#sync.set(wp.id, sync)
    }
    return sync
  }

  /** This device's sync state, for diagnosing a device that does not catch up. */
  syncReport(): SyncReport {
    return this.stack.syncReport((id) => this.#sync.get(id))
  }

  /** Chat and contacts of a workplace, opened on first use. */
  featuresOf(wp: Workplace): WorkplaceFeatures {
    let features = this.#features.get(wp.id)
    if (!features) {
      features = new WorkplaceFeatures({
        workplace: wp,
        repo: this.stack.repo,
        push: (handle) => this.stack.changes.push(handle),
        notifier: this.#notifier,
        isHidden: this.#isHidden,
        files: this.files,
        ...(this.stack.chats ? { chats: this.stack.chats } : {}),
        ...(this.#contactLists ? { contactLists: this.#contactLists } : {}),
      })
      this.#features.set(wp.id, features)
    }
    return features
  }

  get notifier(): BrowserNotifier {
    return this.#notifier
  }

  /** Leaves a workplace: signs the leave, closes its documents and forgets it on this device. */
  async leave(wp: Workplace): Promise<void> {
    await wp.leave()
    await this.#features.get(wp.id)?.close()
    this.#features.delete(wp.id)
    this.#sync.get(wp.id)?.close()
    this.#sync.delete(wp.id)
    await this.stack.chats?.forget(wp.id)
    await this.stack.workplaces.forget(wp.id)
  }

  async create(name: string): Promise<Workplace> {
    const trimmed = name.trim()
    if (!trimmed) throw new Error('Give the workplace a name.')
    const wp = await this.stack.workplaces.create(trimmed)
    this.syncOf(wp)
    // A workplace's documents are made with it, but those the documents worker holds are made
    // there, when first opened: the contact book is opened now, so that members who open theirs
    // before the owner does find it.
    if (this.stack.chats?.features.has('contacts')) {
      this.featuresOf(wp)
        .contacts()
        .catch((error: unknown) => console.error('the contact book was not started', error))
    }
    return wp
  }

  /** A link (and QR payload) that admits whoever opens it, within the invite's terms. */
  async inviteLink(
    wp: Workplace,
    terms: { expiresInMs: number; maxUses: number },
  ): Promise<string> {
    const invite = await wp.createInvite(terms)
    return encodeWorkplaceLink(this.#appUrl, {
      workplace: wp.id,
      name: wp.name,
      peers: this.#contactPeers(wp),
      endpoints: this.#endpoints(),
      invite,
    })
  }

  /** A link with no invite in it: whoever opens it can ask the owners to let them in. */
  askLink(wp: Workplace): string {
    return encodeWorkplaceLink(this.#appUrl, {
      workplace: wp.id,
      name: wp.name,
      peers: this.#contactPeers(wp),
      endpoints: this.#endpoints(),
    })
  }

  /** Starts joining from a pasted or opened link; throws a readable Error for a bad one. */
  openLink(url: string): string {
    const link = decodeWorkplaceLink(url)
    this.stack.joins.start(link)
    return link.workplace
  }

  /** The inviter and the owners first, then other members: whom a newcomer dials. */
  #contactPeers(wp: Workplace): PeerId[] {
    const members = wp.members()
    const owners = members.filter((m) => m.role === 'owner').map((m) => m.peer)
    const rest = members.filter((m) => m.role !== 'owner').map((m) => m.peer)
    return [this.self, ...owners, ...rest].filter((p, i, all) => all.indexOf(p) === i).slice(0, 12)
  }
}
