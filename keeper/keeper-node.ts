import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs'
import { join } from 'node:path'
import { DOCUMENT_KINDS } from '../src/app/document-kinds.ts'
import { signalingReachability } from '../src/crdt/sync/reachability.ts'
import { SyncerFirst } from '../src/crdt/sync/syncer-first.ts'
import { WorkplaceSync } from '../src/crdt/sync/workplace-sync.ts'
import { createMemoryConfirmedHeadsStore } from '../src/crdt/sync/confirmed-heads-store.ts'
import { decodeWorkplaceLink } from '../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../src/crdt/workplace/workplace.ts'
import { workplaceTopic } from '../src/crdt/workplace/workplaces.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../src/crdt/workplace-stack.ts'
import { createFilesService, type FilesService } from '../src/files/files-service.ts'
import type { ChunkStore } from '../src/files/chunk-store.ts'
import {
  createFileKeyStore,
  createFileRecordStore,
  createFileWorkplaceList,
} from './file-stores.ts'
import { createFsChunkStore } from './fs-chunk-store.ts'
import { KeptWorkplace } from './kept-workplace.ts'
import type { KeeperLog } from './keeper-log.ts'
import { createKeeperSession, type KeeperSession } from './keeper-session.ts'
import { dialNewcomers } from './newcomers.ts'
import type { KeeperStatus } from './keeper-status.ts'

export interface KeeperOptions {
  /** The data folder: device key, workplace documents, file chunks, status. */
  dataDir: string
  relays: readonly string[]
  /** Invite links to join (ignored for a workplace the keeper already belongs to). */
  invites: readonly string[]
  /** Bytes offered for file replicas. */
  storageBytes: number
  name: string
  iceServers: RTCIceServer[]
  log: KeeperLog
}

/**
 * The keeper's object graph, built from the same parts as the browser app's
 * (src/app/start-workplaces.ts): one peer session, one workplace stack over automerge-repo
 * with the Node file-system storage, one files service over a chunk folder. It holds what
 * members need while their browsers are closed; it has no rights beyond its role.
 */
export class Keeper {
  readonly session: KeeperSession
  readonly stack: WorkplaceStack
  readonly files: FilesService
  readonly #chunks: ChunkStore
  readonly #log: KeeperLog
  readonly #kept = new Map<string, KeptWorkplace>()
  /** Whether the keeper was a member at the last look, by workplace, to log a removal once. */
  readonly #member = new Map<string, boolean>()
  readonly #heads = createMemoryConfirmedHeadsStore()
  readonly #syncerFirst: SyncerFirst
  #stopDialing: () => void = () => {}

  private constructor(parts: {
    session: KeeperSession
    stack: WorkplaceStack
    files: FilesService
    chunks: ChunkStore
    syncerFirst: SyncerFirst
    log: KeeperLog
  }) {
    this.session = parts.session
    this.stack = parts.stack
    this.files = parts.files
    this.#chunks = parts.chunks
    this.#syncerFirst = parts.syncerFirst
    this.#log = parts.log
  }

  static async start(options: KeeperOptions): Promise<Keeper> {
    const { log } = options
    const keys = await createFileKeyStore(options.dataDir)
    const session = await createKeeperSession({
      keys,
      relays: options.relays,
      iceServers: options.iceServers,
      log,
      name: options.name,
    })
    log.event('identity', { peer: session.identity.peerId, name: options.name })
    let memberOf: () => Workplace[] = () => []
    const syncerFirst = new SyncerFirst({
      self: session.identity.peerId,
      presence: session.meshPort.presence,
      workplaces: () => memberOf(),
    })
    const stack = createWorkplaceStack({
      identity: session.identity,
      mesh: session.meshPort,
      storage: new NodeFSStorageAdapter(join(options.dataDir, 'documents')),
      list: await createFileWorkplaceList(options.dataDir),
      records: await createFileRecordStore(options.dataDir),
      displayName: () => session.profile.name ?? options.name,
      kinds: DOCUMENT_KINDS,
      gate: syncerFirst,
    })
    memberOf = () => stack.workplaces.list().filter((wp) => wp.isMember(wp.self))
    session.setAuthorizer((peer) => stack.workplaces.authorizeLink(peer))
    await stack.workplaces.load()
    const chunks = await createFsChunkStore(join(options.dataDir, 'files'))
    const settings = new Map<string, string>()
    const files = await createFilesService({
      mesh: session.meshPort,
      localStorage: {
        getItem: (key) => settings.get(key) ?? null,
        setItem: (key, value) => void settings.set(key, value),
      },
      store: chunks,
    })
    files.budget.setQuota(options.storageBytes)
    const keeper = new Keeper({ session, stack, files, chunks, syncerFirst, log })
    keeper.#track()
    stack.workplaces.on('change', () => keeper.#track())
    const memberOfTopic = (topic: string) =>
      memberOf().find((wp) => workplaceTopic(wp.id) === topic)?.id
    keeper.#stopDialing = dialNewcomers({
      signaling: session.signaling,
      mesh: session.mesh,
      workplaceOf: memberOfTopic,
      isMember: (id, peer) => stack.workplaces.get(id)?.isMember(peer) ?? false,
      log,
    })
    for (const invite of options.invites) keeper.join(invite)
    return keeper
  }

  /** Joins the workplace of an invite link, unless the keeper already belongs to it. */
  join(invite: string): void {
    let link
    try {
      link = decodeWorkplaceLink(invite)
    } catch (error) {
      this.#log.event('invite-unreadable', {
        error: error instanceof Error ? error.message : String(error),
      })
      return
    }
    if (this.stack.workplaces.get(link.workplace)) {
      this.#log.event('invite-skipped', { workplace: link.workplace, reason: 'already a member' })
      return
    }
    this.#log.event('joining', { workplace: link.workplace, name: link.name })
    this.stack.joins.start(link)
  }

  /** What `npm run keeper -- status` shows. */
  async status(): Promise<KeeperStatus> {
    const records = await this.#chunks.records()
    const complete = records.filter((r) => r.chunks === r.count)
    const workplaces = await Promise.all(
      [...this.#kept.values()].map(async (kept) => {
        const wp = kept.workplace
        const online = this.session.presence.online(wp.id).filter((p) => p !== wp.self)
        const names = new Map(wp.members().map((m) => [m.peer, m.name]))
        return {
          id: wp.id,
          name: wp.name,
          members: wp.members().length,
          online: online.map((peer) => names.get(peer) ?? peer),
          syncer: this.session.meshPort.presence.syncer(wp.id) === wp.self,
          documents: kept.documents(),
          rootHeads: [...wp.handle.heads()].sort(),
        }
      }),
    )
    return {
      peer: this.session.identity.peerId,
      name: this.session.profile.name ?? '',
      pid: process.pid,
      updatedAt: new Date().toISOString(),
      signaling: this.session.signaling.state,
      workplaces,
      files: complete.length,
      bytes: complete.reduce((sum, r) => sum + r.size, 0),
      storageBytes: this.files.budget.quota(),
    }
  }

  /** Says goodbye to its links, closes documents and files; the data folder is left whole. */
  async close(): Promise<void> {
    this.#stopDialing()
    this.session.presence.announceLeaving()
    for (const kept of this.#kept.values()) await kept.close()
    this.#kept.clear()
    this.files.close()
    await this.stack.shutdown()
    this.session.close()
  }

  #track(): void {
    for (const wp of this.stack.workplaces.list()) {
      const member = wp.isMember(wp.self)
      const was = this.#member.get(wp.id)
      this.#member.set(wp.id, member)
      if (member && was !== true) {
        this.#log.event(was === undefined ? 'workplace' : 'readmitted', {
          workplace: wp.id,
          name: wp.name,
        })
        this.#open(wp)
      } else if (!member && was !== false) {
        this.#log.event('removed', {
          workplace: wp.id,
          name: wp.name,
          note: 'no longer a member: gets nothing from this workplace',
        })
        const kept = this.#kept.get(wp.id)
        this.#kept.delete(wp.id)
        void kept?.close()
      }
    }
  }

  #open(wp: Workplace): void {
    if (this.#kept.has(wp.id)) return
    // Owners see the keeper in People as an always-on device, in its own signed word.
    wp.setDeviceKind('always-on').catch((error: unknown) =>
      this.#log.event('error', {
        workplace: wp.id,
        what: 'device kind',
        error: error instanceof Error ? error.message : String(error),
      }),
    )
    const sync = new WorkplaceSync({
      workplace: wp.id,
      mesh: this.session.meshPort,
      members: () => [...wp.membership.members.keys()],
      reach: signalingReachability(this.session.signaling, this.session.mesh),
      handles: () => [...wp.handles(), ...(this.#kept.get(wp.id)?.handlesNow() ?? [])],
      store: this.#heads,
    })
    wp.handle.on('change', () => sync.changed())
    this.#syncerFirst.follow(sync)
    this.#kept.set(
      wp.id,
      new KeptWorkplace({
        workplace: wp,
        sync,
        repo: this.stack.repo,
        changes: this.stack.changes,
        files: this.files,
        log: this.#log,
      }),
    )
  }
}
