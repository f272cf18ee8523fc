import type { DocHandle, Repo } from '@automerge/automerge-repo'
import { rootDocsRegistrar } from '../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../src/crdt/chat/workplace-chat.ts'
import type { ChangePush } from '../src/crdt/repo/change-push.ts'
import type { WorkplaceSync } from '../src/crdt/sync/workplace-sync.ts'
import type { Workplace } from '../src/crdt/workplace/workplace.ts'
import type { FilesService } from '../src/files/files-service.ts'
import type { HashHex } from '../src/files/hashing.ts'
import type { WorkplaceFiles } from '../src/files/workplace-files.ts'
import type { KeeperLog } from './keeper-log.ts'

const RETRY_MS = 30_000

/**
 * What the keeper does in one workplace it is a member of: keeps every chat shard loaded (so
 * every message can be served), and fetches every version of every file within its storage
 * offer, on top of what the Syncer's replica plan asks of it.
 */
export class KeptWorkplace {
  readonly workplace: Workplace
  readonly sync: WorkplaceSync
  readonly chat: Promise<WorkplaceChat>
  readonly files: Promise<WorkplaceFiles>
  readonly #log: KeeperLog
  readonly #offs: (() => void)[] = []
  /** Files being fetched now, so a change does not start one twice. */
  readonly #fetching = new Set<HashHex>()
  #closed = false
  #openChat: WorkplaceChat | undefined

  constructor(options: {
    workplace: Workplace
    sync: WorkplaceSync
    repo: Repo
    changes: ChangePush
    files: FilesService
    log: KeeperLog
  }) {
    const wp = options.workplace
    this.workplace = wp
    this.sync = options.sync
    this.#log = options.log
    this.chat = WorkplaceChat.open({
      workplace: wp,
      repo: options.repo,
      register: rootDocsRegistrar(wp.handle),
      push: (handle) => options.changes.push(handle),
    })
    this.chat.then(
      (chat) => {
        this.#openChat = chat
        const loadAll = () => void this.#loadAllShards(chat)
        loadAll()
        this.#offs.push(chat.on('change', loadAll))
      },
      (error: unknown) =>
        this.#log.event('error', { workplace: wp.id, what: 'chat', error: text(error) }),
    )
    this.files = options.files.open(wp)
    this.files.then(
      (files) => {
        const fetchAll = () => this.#fetchAll(files, options.files)
        fetchAll()
        const off = files.on('change', fetchAll)
        // A fetch that failed (nobody holding the file was online) is tried again now and then.
        const every = setInterval(fetchAll, RETRY_MS)
        this.#offs.push(off, () => clearInterval(every))
      },
      (error: unknown) =>
        this.#log.event('error', { workplace: wp.id, what: 'files', error: text(error) }),
    )
  }

  /** The chat documents open so far (the root and kinds are the workplace's own). */
  handlesNow(): DocHandle<unknown>[] {
    return this.#openChat ? (this.#openChat.handles() as DocHandle<unknown>[]) : []
  }

  /** How many documents of the workplace are open here. */
  documents(): number {
    return this.workplace.handles().length + this.handlesNow().length
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const off of this.#offs.splice(0)) off()
    this.sync.close()
    await (await this.chat.catch(() => undefined))?.close()
  }

  #loading = false
  async #loadAllShards(chat: WorkplaceChat): Promise<void> {
    if (this.#loading) return
    this.#loading = true
    try {
      while (!this.#closed && chat.hasOlder()) {
        if (!(await chat.loadOlder())) break
      }
    } catch (error) {
      this.#log.event('error', {
        workplace: this.workplace.id,
        what: 'chat shard',
        error: text(error),
      })
    } finally {
      this.#loading = false
    }
  }

  #fetchAll(files: WorkplaceFiles, service: FilesService): void {
    if (this.#closed || !this.workplace.isMember(this.workplace.self)) return
    for (const entry of files.entries()) {
      if (this.#fetching.has(entry.fileId)) continue
      if (entry.size > service.budget.quota()) continue
      this.#fetching.add(entry.fileId)
      void (async () => {
        try {
          if (await files.transfers.isComplete(entry.fileId)) return
          this.#log.event('file-fetch', {
            workplace: this.workplace.id,
            file: entry.fileId,
            bytes: entry.size,
          })
          await files.ensureComplete(entry.fileId)
          this.#log.event('file-held', {
            workplace: this.workplace.id,
            file: entry.fileId,
            bytes: entry.size,
          })
        } catch (error) {
          this.#log.event('file-fetch-failed', {
            workplace: this.workplace.id,
            file: entry.fileId,
            error: text(error),
          })
          // Tried again at the next change of the files document.
          this.#fetching.delete(entry.fileId)
          return
        }
      })()
    }
  }
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
