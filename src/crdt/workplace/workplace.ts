import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import { toBase64Url } from '../../lib/base64.ts'
import { Authorship } from '../authorship/authorship.ts'
import { KeyDirectory } from '../authorship/key-directory.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { InviteState, MembershipState } from '../membership/evaluate.ts'
import type { MembershipLog } from '../membership/membership-log.ts'
import type { SignedRecord } from '../membership/record.ts'
import { randomId, recordId, signRecord, type UnsignedBody } from '../membership/sign.ts'
import { FetchingDocs } from '../sync/fetching-docs.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'
import { ABOUT_ORIGINS, PROFILE_ORIGINS } from './workplace-origins.ts'
import { AboutHistory } from './about-history.ts'
import type { Judge } from '../authorship/authorship.ts'
import { deviceKindClaim, readDeviceKind, type DeviceKind } from './device-kind.ts'
import { cleanText, fallbackName, type MemberView, type RootDoc } from './root-doc.ts'
import {
  aboutClaim,
  profileClaim,
  readAbout,
  readProfile,
  type AboutField,
} from './signed-about.ts'

export interface WorkplaceEvents extends Record<string, unknown> {
  change: void
  membership: MembershipState
  /** The documents still on their way from members moved (see `fetching`). */
  fetching: void
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type RecordFields = DistributiveOmit<UnsignedBody, 'workplace' | 'clock' | 'at'>

/**
 * One workplace on this device: its root document and its verified membership. Membership is
 * read only from the signed log; the document's other fields are shared data.
 */
export class Workplace extends Emitter<WorkplaceEvents> {
  readonly id: string
  readonly handle: DocHandle<RootDoc>
  /** Signs what this member writes into the workplace's documents; judges what others wrote. */
  readonly authorship: Authorship
  readonly #keys = new KeyDirectory()
  readonly #log: MembershipLog
  readonly #identity: Identity
  readonly #clock: () => number
  readonly #repo: Repo
  readonly #fetching: FetchingDocs
  readonly #kinds: ReadonlyMap<string, () => unknown>
  readonly #subdocs = new Map<string, Promise<DocHandle<unknown>>>()
  readonly #openHandles: DocHandle<unknown>[] = []
  #syncing: Promise<void> = Promise.resolve()
  /** Whether something read from the root waited on a signature check. */
  #pending = false
  /** Where display names came from, for one someone else overwrote or removed. */
  readonly #profileOrigins: RecordOrigins
  /** Every owner's name and description record ever written (see `readAbout`). */
  readonly #aboutOrigins: RecordOrigins
  /** Reads the about history, later when a sync brought many changes at once. */
  readonly #aboutHistory: AboutHistory
  /** The name and description as read from one version of the document, per generation. */
  #about:
    { doc: RootDoc; generation: number; values: Map<AboutField, string | undefined> } | undefined
  readonly #judge: Judge = (claim, proof, required) => {
    const verdict = this.authorship.check(claim, proof, required)
    if (verdict === 'pending') this.#pending = true
    return verdict
  }

  constructor(options: {
    handle: DocHandle<RootDoc>
    log: MembershipLog
    identity: Identity
    repo: Repo
    /** The kinds of document a workplace holds besides its root, and their initial values. */
    kinds: ReadonlyMap<string, () => unknown>
    clock?: () => number
    /** The root's history readers (workplace-origins.ts), when kept between visits. */
    origins?: { about: RecordOrigins; profiles: RecordOrigins }
  }) {
    super()
    this.#aboutOrigins = options.origins?.about ?? new RecordOrigins(...ABOUT_ORIGINS)
    this.#profileOrigins = options.origins?.profiles ?? new RecordOrigins(...PROFILE_ORIGINS)
    this.handle = options.handle
    this.#aboutHistory = new AboutHistory({
      origins: this.#aboutOrigins,
      current: () => this.doc,
      onCaughtUp: () => {
        this.#about = undefined
        this.emit('change', undefined)
      },
    })
    this.#repo = options.repo
    this.#fetching = new FetchingDocs(
      () => this.#repo.handles,
      () => this.emit('fetching', undefined),
    )
    this.#kinds = options.kinds
    this.#log = options.log
    this.id = options.log.workplace
    this.#identity = options.identity
    this.#clock = options.clock ?? (() => Date.now())
    this.authorship = new Authorship({
      workplace: this.id,
      identity: this.#identity,
      membership: () => this.#log.state,
      keys: this.#keys,
    })
    void this.#keys.learn([[this.#identity.peerId, toBase64Url(this.#identity.publicKey)]])
    this.#learnKeys()
    this.#log.on('change', (state) => {
      this.#learnKeys()
      this.authorship.invalidate()
      if (this.isMember(this.self) && this.doc?.keys?.[this.self] === undefined) {
        this.#reconcileSoon()
      }
      this.emit('membership', state)
      this.emit('change', undefined)
    })
    this.handle.on('change', () => {
      this.#reconcileSoon()
      this.#learnKeys()
      this.emit('change', undefined)
    })
    this.authorship.on('change', () => this.emit('change', undefined))
    this.authorship.on('verified', () => {
      if (!this.#pending) return
      this.#pending = false
      this.emit('change', undefined)
    })
  }

  /** Members' keys from the signed log and the document's self-certifying `keys` map. */
  #learnKeys(): void {
    void this.#keys.learn(this.keyClaims())
  }

  /**
   * Members' (peer, public key) pairs as published in the signed log and the root's `keys` map;
   * unchecked: a pair proves itself (see KeyDirectory).
   */
  keyClaims(): [unknown, unknown][] {
    const fromLog = this.#log.records().map(({ record }) => [record.body.by, record.body.byKey])
    const fromDoc = Object.entries(this.doc?.keys ?? {})
    return [...fromLog, ...fromDoc] as [unknown, unknown][]
  }

  get doc(): RootDoc | undefined {
    return this.handle.isReady() ? this.handle.doc() : undefined
  }

  /** The newest name an owner signed, else the one given at creation (in the signed genesis). */
  get name(): string {
    return cleanText(this.#readAbout('name'), this.#log.state.genesisName || 'Untitled workplace')
  }

  /** How many changes of the root's history this device decoded since the workplace opened. */
  get historyChangesRead(): number {
    return this.#aboutOrigins.changesRead + this.#profileOrigins.changesRead
  }

  /** The newest description an owner signed. */
  get description(): string {
    return cleanText(this.#readAbout('description'), '')
  }

  /** A field of the workplace's about, read once per version of the document and verdicts. */
  #readAbout(field: AboutField): string | undefined {
    const doc = this.doc
    if (!doc) return undefined
    const generation = this.authorship.generation
    if (this.#about?.doc !== doc || this.#about.generation !== generation) {
      this.#about = { doc, generation, values: new Map() }
    }
    const values = this.#about.values
    if (values.has(field)) return values.get(field)
    const pendingBefore = this.#pending
    this.#pending = false
    let complete = true
    const value = readAbout(doc, field, this.#judge, () => {
      const read = this.#aboutHistory.parts(doc, field)
      complete = read.complete
      return read.parts
    })
    // A value that waited on a signature check is read again (`verified` brings a change), one
    // read before the history was (AboutHistory) once it is.
    if (!this.#pending && complete) values.set(field, value)
    this.#pending ||= pendingBefore
    return value
  }

  get membership(): MembershipState {
    return this.#log.state
  }

  get self(): PeerId {
    return this.#identity.peerId
  }

  isMember(peer: PeerId): boolean {
    return this.#log.state.members.has(peer)
  }

  /** A reader of the history of the records in `map` at a document's root (record-origins.ts). */
  recordHistory(map: string, fields: readonly string[]): RecordOrigins {
    return new RecordOrigins(map, fields)
  }

  isOwner(peer: PeerId): boolean {
    return this.#log.state.members.get(peer) === 'owner'
  }

  members(): MemberView[] {
    const doc = this.doc
    return [...this.#log.state.members]
      .map(([peer, role]) => ({
        peer,
        role,
        name: cleanText(
          readProfile(doc, peer, this.#judge, (p) =>
            doc ? this.#profileOrigins.versions(doc, p) : [],
          ),
          fallbackName(peer),
        ),
        alwaysOn: readDeviceKind(doc, peer, this.#judge) === 'always-on',
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || (a.peer < b.peer ? -1 : 1))
  }

  invites(): InviteState[] {
    return [...this.#log.state.invites.values()]
  }

  /**
   * Opens one of the workplace's documents ("chat", "contacts", "files"…). A workplace made
   * before a kind existed gets that document from its first owner to open it.
   */
  openDoc<T>(key: string): Promise<DocHandle<T>> {
    let opening = this.#subdocs.get(key)
    if (!opening) {
      opening = this.#openDoc(key).catch((error: unknown) => {
        this.#subdocs.delete(key)
        throw error
      })
      this.#subdocs.set(key, opening)
    }
    return opening as Promise<DocHandle<T>>
  }

  /** The root and every document opened so far, for sync status. */
  handles(): DocHandle<unknown>[] {
    return [this.handle as DocHandle<unknown>, ...this.#openHandles]
  }

  /** IDs of the documents opened here and still on their way from members, for sync status. */
  fetching(): string[] {
    return this.#fetching.ids()
  }

  async #openDoc(key: string): Promise<DocHandle<unknown>> {
    const init = this.#kinds.get(key)
    if (!init) throw new Error(`unknown workplace document kind ${key}`)
    let url = this.doc?.docs?.[key]
    let handle: DocHandle<unknown>
    if (url) {
      handle = await this.#fetching.find(this.#repo, url)
    } else {
      this.#requireOwner(`start the ${key} of this workplace`)
      handle = this.#repo.create<unknown>(init())
      url = handle.url
      this.handle.change((d) => {
        d.docs[key] = url!
      })
    }
    this.#openHandles.push(handle)
    this.emit('change', undefined)
    return handle
  }

  /** Takes in the document's records and writes back any valid ones it lacks. */
  reconcile(): Promise<void> {
    const pass = this.#syncing.then(async () => {
      const doc = this.doc
      if (!doc) return
      await this.#log.ingest(Object.values(doc.records ?? {}))
      const missing = this.#log.missingFrom(this.doc?.records)
      const key = toBase64Url(this.#identity.publicKey)
      // Members publish their key, so that everyone can check what they sign.
      const publish = this.isMember(this.self) && this.doc?.keys?.[this.self] !== key
      if (missing.length > 0 || publish) {
        this.handle.change((d) => {
          d.records ??= {}
          for (const { id, record } of missing) d.records[id] = structuredClone(record)
          if (publish) {
            d.keys ??= {}
            d.keys[this.self] = key
          }
        })
      }
    })
    // A failed pass (say, a record the store would not take) must not fail every later pass
    // and every append: the chain goes on from it.
    this.#syncing = pass.catch(() => {})
    return pass
  }

  #reconcileSoon(): void {
    this.reconcile().catch((error: unknown) => {
      console.warn(`workplace ${this.id}: records not reconciled`, error)
    })
  }

  /** Signs a membership record as this device and adds it to the log and the document. */
  async append(fields: RecordFields): Promise<SignedRecord> {
    await this.#syncing
    const record = await signRecord(this.#identity, {
      ...fields,
      workplace: this.id,
      clock: this.#log.state.clock + 1,
      at: this.#clock(),
    } as UnsignedBody)
    const id = await recordId(record)
    const refused = await this.#log.ingest([record])
    if (refused.length > 0) throw new Error(`record refused: ${refused.join('; ')}`)
    this.handle.change((d) => {
      d.records[id] = structuredClone(record)
    })
    return record
  }

  async createInvite(options: { expiresInMs: number; maxUses: number }): Promise<SignedRecord> {
    this.#requireOwner('invite people')
    return this.append({
      kind: 'invite',
      inviteId: randomId(),
      expiresAt: this.#clock() + options.expiresInMs,
      maxUses: options.maxUses,
    })
  }

  async revokeInvite(inviteId: string): Promise<void> {
    this.#requireOwner('revoke invites')
    await this.append({ kind: 'revoke-invite', inviteId })
  }

  async add(peer: PeerId): Promise<void> {
    this.#requireOwner('add members')
    if (!this.isMember(peer)) await this.append({ kind: 'add', subject: peer })
  }

  async remove(peer: PeerId): Promise<void> {
    this.#requireOwner('remove members')
    await this.append({ kind: 'remove', subject: peer })
  }

  async promote(peer: PeerId): Promise<void> {
    this.#requireOwner('promote members')
    await this.append({ kind: 'promote', subject: peer })
  }

  /**
   * Stops the work this object does on its own (the workplace was left and forgotten here):
   * documents still on their way are no longer looked at.
   */
  close(): void {
    this.#fetching.close()
  }

  async leave(): Promise<void> {
    await this.append({ kind: 'leave', subject: this.self })
  }

  /** Lets a newcomer in on an owner's invite; the caller has checked the invite is current. */
  async admit(peer: PeerId, invite: SignedRecord): Promise<void> {
    if (!this.isMember(this.self)) throw new Error('only members can admit newcomers')
    const inviteId = await recordId(invite)
    if (!this.doc?.records?.[inviteId]) {
      await this.#log.ingest([invite])
      this.handle.change((d) => {
        d.records[inviteId] = structuredClone(invite)
      })
    }
    await this.append({ kind: 'admit', subject: peer, invite })
  }

  /** Renames the workplace (owners only: refuses at once otherwise). */
  setName(name: string): Promise<void> {
    this.#requireOwner('rename the workplace')
    return this.#setAbout('name', name.slice(0, 200))
  }

  /** Describes the workplace (owners only: refuses at once otherwise). */
  setDescription(text: string): Promise<void> {
    this.#requireOwner('describe the workplace')
    return this.#setAbout('description', text.slice(0, 2000))
  }

  /** Writes this device's display name into the workplace, signed. */
  async setProfileName(raw: string): Promise<void> {
    const name = raw.slice(0, 100)
    const signed = this.doc?.profiles?.[this.self]
    if (signed?.name === name && signed.s !== undefined) {
      // Already written and signed (checked once any check under way is done): nothing to do.
      readProfile(this.doc, this.self, this.#judge)
      await this.authorship.settled()
      if (readProfile(this.doc, this.self, this.#judge) !== undefined) return
    }
    const updatedAt = Math.max(this.#clock(), (signed?.updatedAt ?? 0) + 1)
    const { peer: _self, ...claim } = profileClaim(this.self, name, updatedAt)
    const s = await this.authorship.sign(claim)
    this.handle.change((d) => {
      d.profiles ??= {}
      d.profiles[this.self] = { name, updatedAt, s }
    })
  }

  /** Says, signed, what kind of device this is (a keeper says `always-on`); once per kind. */
  async setDeviceKind(kind: DeviceKind): Promise<void> {
    const current = this.doc?.devices?.[this.self]
    if (current?.kind === kind) {
      await this.authorship.settled()
      if (readDeviceKind(this.doc, this.self, this.#judge) === kind) return
    }
    const t = Math.max(this.#clock(), (current?.t ?? 0) + 1)
    const { peer: _self, ...claim } = deviceKindClaim(this.self, kind, t)
    const s = await this.authorship.sign(claim)
    this.handle.change((d) => {
      d.devices ??= {}
      d.devices[this.self] = { kind, t, s }
    })
  }

  async #setAbout(field: AboutField, value: string): Promise<void> {
    const before = this.doc?.about?.[field]?.[this.self]?.t ?? 0
    const t = Math.max(this.#clock(), before + 1)
    const { peer: _self, ...claim } = aboutClaim(field, this.self, value, t)
    const s = await this.authorship.sign(claim)
    this.handle.change((d) => {
      // The plain field is for older versions; readers here use only the signed record.
      d[field] = value
      d.about ??= {}
      d.about[field] ??= {}
      d.about[field][this.self] = { v: value, t, s }
    })
  }

  #requireOwner(what: string): void {
    if (!this.isOwner(this.self)) throw new Error(`Only an owner can ${what}.`)
  }
}
