import { parseAutomergeUrl, type AutomergeUrl, type Repo } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import { startTrace } from '../../lib/start-trace.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { PeerId } from '../../peer/ids.ts'
import { MembershipLog } from '../membership/membership-log.ts'
import type { RecordStore } from '../membership/record-store.ts'
import { randomId, recordId, signRecord } from '../membership/sign.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'
import type { AccessPolicy } from '../repo/mesh-network-adapter.ts'
import { ROOT_DOC_VERSION, type RootDoc } from './root-doc.ts'
import type { Workplace } from './workplace.ts'
import { openWorkplaceRoot } from './open-workplace-root.ts'
import type { OriginsStore } from '../authorship/origins-store.ts'
import type { WorkplaceEntry, WorkplaceList } from './workplace-list.ts'
import { workplaceTopic } from './link-members.ts'
import { MemberGroups } from './member-groups.ts'
import { memberLinked } from './link-first.ts'
import { findWithin } from '../repo/find-when-available.ts'
import type { LoadingMembers } from './loading-members.ts'

export interface WorkplacesOptions {
  repo: Repo
  identity: Identity
  mesh: MeshPort
  list: WorkplaceList
  records: RecordStore
  displayName: () => string
  /** The documents every workplace holds besides its root, by key, with initial values. */
  kinds?: ReadonlyMap<string, () => unknown>
  clock?: () => number
  /** Keeps what was read of each root's history between visits (else read afresh each start). */
  origins?: OriginsStore
  /**
   * How long a stored workplace's root waits for a link to one of its members before it
   * loads (see memberLinked); 0 or absent: it loads at once.
   */
  linkFirstMs?: number
  /** How long `adopt` waits for the root to arrive before it gives up (default 30 s). */
  rootWaitMs?: number
  /** Told which members may link while a root loads (their messages wait for it). */
  loadingMembers?: LoadingMembers
}

export interface WorkplacesEvents extends Record<string, unknown> {
  change: void
  /** Who may see what changed: the repo must re-evaluate sharing. */
  access: void
}

export { workplaceTopic }

/**
 * The workplaces this device belongs to, and the access policy that follows from their signed
 * membership: who may sync which document and who may link at all.
 */
export class Workplaces extends Emitter<WorkplacesEvents> implements AccessPolicy {
  readonly #o: WorkplacesOptions
  readonly #open = new Map<string, Workplace>()
  readonly #docs = new Map<string, string>()
  /** Documents being fetched while joining, and the peers trusted to serve them. */
  readonly #pending = new Map<string, Set<PeerId>>()
  #loaded: Promise<void> | undefined
  readonly #groups: MemberGroups

  constructor(options: WorkplacesOptions) {
    super()
    this.#o = options
    this.#groups = new MemberGroups(options.mesh)
  }

  get self(): PeerId {
    return this.#o.identity.peerId
  }

  list(): Workplace[] {
    return [...this.#open.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  get(id: string): Workplace | undefined {
    return this.#open.get(id)
  }

  /** Opens every workplace stored on this device, from IndexedDB, before any network work. */
  load(): Promise<void> {
    this.#loaded ??= (async () => {
      const entries = await this.#o.list.all()
      await Promise.all(
        entries.map((entry) =>
          this.#openEntry(entry, undefined, this.#o.linkFirstMs, true).catch(
            reportOpenError(entry),
          ),
        ),
      )
    })()
    return this.#loaded
  }

  async create(name: string): Promise<Workplace> {
    const clock = this.#o.clock ?? (() => Date.now())
    const genesis = await signRecord(this.#o.identity, {
      kind: 'genesis',
      workplace: '',
      name: name.slice(0, 200),
      nonce: randomId(),
      clock: 0,
      at: clock(),
    })
    const id = await recordId(genesis)
    const docs: Record<string, string> = {}
    for (const [key, init] of this.#o.kinds ?? []) docs[key] = this.#o.repo.create(init()).url
    const handle = this.#o.repo.create<RootDoc>({
      v: ROOT_DOC_VERSION,
      workplace: id,
      name: name.slice(0, 200),
      description: '',
      records: { [id]: genesis },
      profiles: { [this.self]: { name: this.#o.displayName(), updatedAt: clock() } },
      docs,
      settings: { replicas: 2 },
    })
    const workplace = await this.#openEntry({ id, rootUrl: handle.url, name, addedAt: clock() })
    // A workplace must survive a reload right after it was made: write it out now.
    await this.#o.repo.flush()
    return workplace
  }

  /** Opens a workplace whose root document this device has just been given access to. */
  async adopt(id: string, rootUrl: string, name: string, from: PeerId): Promise<Workplace> {
    const existing = this.#open.get(id)
    if (existing) return existing
    const documentId = this.trustRootWhileJoining(rootUrl, from)
    const entry = { id, rootUrl, name, addedAt: (this.#o.clock ?? (() => Date.now()))() }
    // Listed while the root document is on its way, rather than after it (a joining device
    // waits for both); taken off the list again if the workplace does not open.
    const listed = this.#o.list.put(entry)
    try {
      // The root may be unavailable for a moment: the link that carried the answer re-forming,
      // or what the member sent refused before it was trusted (the repo asks for that again).
      // A repo that once called a document unavailable answers so at once from then on, so
      // this waits for the root to arrive rather than asking again.
      await findWithin(this.#o.repo, rootUrl, this.#o.rootWaitMs ?? 30_000, 'it')
      return await this.#openEntry(entry, listed)
    } catch (error) {
      await listed.catch(() => undefined)
      if (!this.#open.has(id)) await this.#o.list.delete(id).catch(reportListError(entry))
      throw error
    } finally {
      this.#pending.delete(documentId)
    }
  }

  /** Lets `peer` serve a root being adopted (which names it); returns its document ID. */
  trustRootWhileJoining(rootUrl: string, peer: PeerId): string {
    const { documentId } = parseAutomergeUrl(rootUrl as AutomergeUrl)
    this.trustWhileJoining(documentId, peer)
    return documentId
  }

  /** Lets `peer` serve a document we are fetching before its workplace's members are known. */
  trustWhileJoining(documentId: string, peer: PeerId): void {
    let peers = this.#pending.get(documentId)
    if (!peers) this.#pending.set(documentId, (peers = new Set()))
    peers.add(peer)
    this.emit('access', undefined)
  }

  async forget(id: string): Promise<void> {
    const workplace = this.#open.get(id)
    if (!workplace) return
    this.#open.delete(id)
    workplace.close()
    for (const [doc, wp] of this.#docs) if (wp === id) this.#docs.delete(doc)
    this.#meetMembers(id, undefined)
    await this.#o.list.delete(id)
    this.emit('access', undefined)
    this.emit('change', undefined)
  }

  // AccessPolicy

  mayExchange(peer: PeerId, documentId: string): boolean {
    if (peer === this.self) return false
    const workplace = this.#docs.get(documentId)
    if (workplace) return this.#open.get(workplace)?.isMember(peer) ?? false
    return this.#pending.get(documentId)?.has(peer) ?? false
  }

  mayPeer(peer: PeerId): boolean {
    // A member of a workplace still loading: its messages are held until the workplace opens.
    if (this.#o.loadingMembers?.held(peer)) return true
    for (const workplace of this.#open.values()) if (workplace.isMember(peer)) return true
    for (const peers of this.#pending.values()) if (peers.has(peer)) return true
    return false
  }

  /** False for a peer removed from a workplace of ours and a member of none: its links are refused. */
  authorizeLink(peer: PeerId): boolean {
    let removed = false
    for (const workplace of this.#open.values()) {
      if (workplace.isMember(peer)) return true
      if (workplace.membership.former.has(peer)) removed = true
    }
    return !removed
  }

  /**
   * `listed`: the entry's write to the list, when the caller started it already; `linkFirstMs`:
   * how long the root's load waits for a link to a member; `returning`: opened from the list at
   * start-up, so its members are dialled at once until one links (see MemberGroups).
   */
  async #openEntry(
    entry: WorkplaceEntry,
    listed?: Promise<void>,
    linkFirstMs = 0,
    returning = false,
  ): Promise<Workplace> {
    const existing = this.#open.get(entry.id)
    if (existing) return existing
    const log = new MembershipLog(entry.id, this.#o.records)
    this.#o.loadingMembers?.loading(entry.id)
    try {
      await log.load()
    } catch (error) {
      this.#o.loadingMembers?.loaded(entry.id)
      throw error
    }
    // The signed log names the members without Automerge: links to them form while the
    // document loads (a long one takes a second or more), not only after.
    const early = log.state.members.has(this.self)
    const others = [...log.state.members.keys()].filter((peer) => peer !== this.self)
    if (!early) this.#o.loadingMembers?.loaded(entry.id)
    else {
      this.#o.loadingMembers?.loading(entry.id, others)
      if (returning) this.#groups.returning(entry.id)
      this.#meetMembers(entry.id, log.state.members.keys())
      if (await memberLinked(this.#o.mesh.presence, others, linkFirstMs)) {
        startTrace('linked-first', entry.id)
      }
    }
    let workplace: Workplace
    try {
      workplace = await openWorkplaceRoot(this.#o, entry, log)
    } catch (error) {
      this.#o.loadingMembers?.loaded(entry.id)
      if (early && !this.#open.has(entry.id)) this.#meetMembers(entry.id, undefined)
      throw error
    }
    this.#open.set(entry.id, workplace)
    this.#registerDocs(workplace)
    this.#o.loadingMembers?.loaded(entry.id)
    let listedName = workplace.name
    await Promise.all([
      listed,
      listed && listedName === entry.name
        ? undefined
        : this.#o.list.put({ ...entry, name: listedName }),
    ])
    workplace.on('membership', () => this.#membershipChanged(workplace))
    workplace.on('change', () => {
      // A document newly listed (a chat shard, say) is shared from now on: sync must know.
      if (this.#registerDocs(workplace)) this.emit('access', undefined)
      // The list is what the next start paints before Automerge loads: keep its name current.
      if (workplace.name !== listedName && this.#open.get(entry.id) === workplace) {
        listedName = workplace.name
        this.#o.list.put({ ...entry, name: listedName }).catch(reportListError(entry))
      }
      this.emit('change', undefined)
    })
    if (workplace.isMember(this.self)) {
      workplace
        .setProfileName(this.#o.displayName())
        .catch((error: unknown) => console.warn('display name not written', error))
    }
    this.#o.mesh.join(workplaceTopic(entry.id))
    this.#membershipChanged(workplace)
    return workplace
  }

  /** Registers the workplace's documents with the access policy; true if any was new. */
  #registerDocs(workplace: Workplace): boolean {
    const before = this.#docs.size
    this.#docs.set(workplace.handle.documentId, workplace.id)
    for (const url of Object.values(workplace.doc?.docs ?? {})) {
      try {
        this.#docs.set(parseAutomergeUrl(url as AutomergeUrl).documentId, workplace.id)
      } catch {
        console.warn(`workplace ${workplace.id}: ignoring a malformed document URL`)
      }
    }
    return this.#docs.size !== before
  }

  /** Meets the workplace's `members` (its topic, links to them), or stops meeting them. */
  #meetMembers(workplace: string, members: Iterable<PeerId> | undefined): void {
    if (members) {
      this.#groups.set(workplace, members)
      this.#o.mesh.join(workplaceTopic(workplace))
    } else {
      this.#groups.clear(workplace)
      this.#o.mesh.leave(workplaceTopic(workplace))
    }
  }

  #membershipChanged(workplace: Workplace): void {
    const members = workplace.membership.members.keys()
    this.#groups.set(workplace.id, workplace.isMember(this.self) ? members : [])
    this.#o.mesh.reauthorize()
    this.emit('access', undefined)
    this.emit('change', undefined)
  }
}

function reportListError(entry: WorkplaceEntry) {
  return (error: unknown) => console.warn(`could not update the list entry of ${entry.id}`, error)
}

function reportOpenError(entry: WorkplaceEntry) {
  return (error: unknown) => console.error(`could not open workplace ${entry.name}`, error)
}
