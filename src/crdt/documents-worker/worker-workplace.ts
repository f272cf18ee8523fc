import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { documentIdOf } from '../repo/find-when-available.ts'
import { FetchingDocs } from '../sync/fetching-docs.ts'
import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { PeerId } from '../../peer/ids.ts'
import { Authorship } from '../authorship/authorship.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'
import { KeyDirectory } from '../authorship/key-directory.ts'
import type { WorkplaceSnapshot } from './documents-worker-protocol.ts'

interface WorkerWorkplaceEvents extends Record<string, unknown> {
  change: void
  /** The documents still on their way from members moved (see `fetching`). */
  fetching: void
}

/**
 * A workplace as the documents worker sees it: the page's snapshots of its membership, keys and chat
 * document entries. Satisfies what WorkplaceChat needs of a workplace; writing to the root (a
 * new chat index or shard entry) is asked of the page through `register`.
 */
export class WorkerWorkplace extends Emitter<WorkerWorkplaceEvents> {
  readonly id: string
  readonly self: PeerId
  readonly authorship: Authorship
  readonly #repo: Repo
  readonly #keys = new KeyDirectory()
  readonly #register: (entry: string, url: string) => void
  readonly #init: ReadonlyMap<string, () => unknown>
  readonly #awaited: ReadonlySet<string>
  /** Openings waiting for the owner to list a document (see `awaitEntry`). */
  readonly #waiting = new Map<string, ((url: string) => void)[]>()
  #snapshot: WorkplaceSnapshot
  /** The chat's documents (IDs), known from the root's entries or created here. */
  readonly #documents = new Set<string>()
  readonly #opening = new Map<string, Promise<DocHandle<unknown>>>()
  readonly #fetching: FetchingDocs

  constructor(options: {
    snapshot: WorkplaceSnapshot
    identity: Identity
    repo: Repo
    register: (entry: string, url: string) => void
    /** Initial values of the documents this workplace may start (the chat index). */
    init: ReadonlyMap<string, () => unknown>
    /**
     * Documents a member who is not an owner waits for (until an owner's device lists it in the
     * root) rather than failing to open: the owner's device makes them when first opened.
     */
    awaitEntry?: ReadonlySet<string>
  }) {
    super()
    this.#snapshot = options.snapshot
    this.id = options.snapshot.id
    this.self = options.snapshot.self
    this.#repo = options.repo
    this.#fetching = new FetchingDocs(
      () => this.#repo.handles,
      () => this.emit('fetching', undefined),
    )
    this.#register = options.register
    this.#init = options.init
    this.#awaited = options.awaitEntry ?? new Set()
    this.authorship = new Authorship({
      workplace: this.id,
      identity: options.identity,
      membership: () => this.#snapshot.membership,
      keys: this.#keys,
    })
    this.authorship.on('change', () => this.emit('change', undefined))
    this.update(options.snapshot)
  }

  /** Takes in the page's newer view of the workplace. */
  update(snapshot: WorkplaceSnapshot): void {
    const membershipChanged = snapshot.membership.clock !== this.#snapshot.membership.clock
    this.#snapshot = snapshot
    for (const url of Object.values(snapshot.docs)) this.#documents.add(documentIdOf(url))
    for (const [key, waiting] of this.#waiting) {
      const url = snapshot.docs[key]
      if (!url) continue
      this.#waiting.delete(key)
      for (const resolve of waiting) resolve(url)
    }
    void this.#keys.learn(snapshot.keys)
    if (membershipChanged) this.authorship.invalidate()
    this.emit('change', undefined)
  }

  /** Whether a document is one of this workplace's chat documents. */
  holds(documentId: string): boolean {
    return this.#documents.has(documentId)
  }

  /** Whether this peer may exchange this workplace's chat documents. */
  isMember(peer: PeerId): boolean {
    return this.#snapshot.membership.members.has(peer)
  }

  members(): readonly { peer: PeerId }[] {
    return [...this.#snapshot.membership.members.keys()].map((peer) => ({ peer }))
  }

  /** A reader of the history of the records in `map` at a document's root (record-origins.ts). */
  recordHistory(map: string, fields: readonly string[]): RecordOrigins {
    return new RecordOrigins(map, fields)
  }

  openDoc<T>(key: string): Promise<DocHandle<T>> {
    let opening = this.#opening.get(key)
    if (!opening) {
      opening = this.#openDoc(key).catch((error: unknown) => {
        this.#opening.delete(key)
        throw error
      })
      this.#opening.set(key, opening)
    }
    return opening as Promise<DocHandle<T>>
  }

  /** IDs of the documents opened here and still on their way from members, for sync status. */
  fetching(): string[] {
    return this.#fetching.ids()
  }

  /** The workplace was left: documents still on their way are no longer looked at. */
  close(): void {
    this.#fetching.close()
  }

  /** Notes a document this worker created or learned of (a shard), and has the page list it. */
  registerDoc(entry: string, url: string): void {
    this.#documents.add(documentIdOf(url))
    if (this.#snapshot.docs[entry] === url) return
    this.#snapshot = { ...this.#snapshot, docs: { ...this.#snapshot.docs, [entry]: url } }
    this.#register(entry, url)
  }

  async #openDoc(key: string): Promise<DocHandle<unknown>> {
    const url = this.#snapshot.docs[key]
    if (url) return this.#fetching.find(this.#repo, url)
    const init = this.#init.get(key)
    if (!init) throw new Error(`unknown workplace document kind ${key}`)
    if (!this.#snapshot.isOwner) {
      if (!this.#awaited.has(key))
        throw new Error(`only an owner can start the ${key} of this workplace`)
      const listed = await new Promise<string>((resolve) => {
        const waiting = this.#waiting.get(key) ?? []
        this.#waiting.set(key, [...waiting, resolve])
      })
      return this.#fetching.find(this.#repo, listed)
    }
    const handle = this.#repo.create<unknown>(init())
    this.registerDoc(key, handle.url)
    return handle
  }
}
