import { openDB, type IDBPDatabase } from 'idb'
import { parseSavedWindow, type SavedChatWindow } from '../chat/saved-window.ts'

/** What sealing needs of the at-rest key (src/vault/vault.ts's Vault is one). */
export interface SummarySealer {
  readonly sealing: boolean
  seal(context: string, plain: Uint8Array): Promise<Uint8Array>
  read(context: string, stored: Uint8Array): Promise<Uint8Array>
}

/** Seals nothing: for opening the database only, or with the storage lock off. */
export const NO_SEALING: SummarySealer = {
  sealing: false,
  seal: async (_context, plain) => plain,
  read: async (_context, stored) => stored,
}

/**
 * What the list of workplaces shows of one workplace's chat without opening its documents:
 * the newest message (when, who, the start of its text) and how many messages are unread.
 */
export interface WorkplaceSummary {
  id: string
  last?: { at: number; author: string; preview: string }
  unread: number
  /** The chat's newest messages as this device last showed them, painted while it opens. */
  window?: SavedChatWindow
}

/** Where the summaries are kept between visits (read before Automerge is loaded). */
export interface SummaryStore {
  all(): Promise<WorkplaceSummary[]>
  put(summary: WorkplaceSummary): Promise<void>
  delete(id: string): Promise<void>
}

/** The database's name (listed with the app's databases for backup, restore and erase). */
export const SUMMARY_DATABASE = 'peerplace-summaries'
const STORE = 'summaries'

/** A stored row: the summary itself, or (with the storage lock on) its JSON sealed. */
type Row = WorkplaceSummary | { id: string; sealed: Uint8Array }

const isSealed = (row: Row): row is { id: string; sealed: Uint8Array } =>
  (row as { sealed?: unknown }).sealed instanceof Uint8Array
const contextOf = (id: string) => `summary:${id}`

export function createMemorySummaryStore(): SummaryStore {
  const rows = new Map<string, WorkplaceSummary>()
  return {
    all: async () => [...rows.values()].map((s) => structuredClone(s)),
    put: async (summary) => void rows.set(summary.id, structuredClone(summary)),
    delete: async (id) => void rows.delete(id),
  }
}

/**
 * Summaries in IndexedDB. The preview is chat text: with the storage lock on, each row is kept
 * sealed through the vault (its ID stays readable as the key), and `reseal` rewrites the rows
 * the way the vault now writes them when the lock is turned on or off.
 */
export function createIndexedDbSummaryStore(
  vault: SummarySealer,
  name = SUMMARY_DATABASE,
): SummaryStore & {
  reseal(onProgress?: (done: number, total: number) => void): Promise<void>
} {
  let db: Promise<IDBPDatabase> | undefined
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore(STORE, { keyPath: 'id' })
      },
    }))
  const encode = async (summary: WorkplaceSummary): Promise<Row> => {
    if (!vault.sealing) return summary
    const bytes = new TextEncoder().encode(JSON.stringify(summary))
    return { id: summary.id, sealed: await vault.seal(contextOf(summary.id), bytes) }
  }
  const decode = async (row: Row): Promise<WorkplaceSummary | undefined> => {
    if (!isSealed(row)) return readSummary(row)
    try {
      const bytes = await vault.read(contextOf(row.id), row.sealed)
      return readSummary(JSON.parse(new TextDecoder().decode(bytes)))
    } catch (error) {
      // Derived data: a row that does not open is left out, and rewritten with the next change.
      console.warn(`the summary of ${row.id} could not be read`, error)
      return undefined
    }
  }
  // One workplace's writes land in the order they were asked for: a put still being sealed
  // must not reach the database after a later delete and bring the summary back.
  const writing = new Map<string, Promise<void>>()
  const inOrder = (id: string, write: () => Promise<void>): Promise<void> => {
    const done = (writing.get(id) ?? Promise.resolve()).then(write)
    const settled = done.catch(() => {})
    writing.set(id, settled)
    void settled.then(() => {
      if (writing.get(id) === settled) writing.delete(id)
    })
    return done
  }
  return {
    async all() {
      const rows = (await (await open()).getAll(STORE)) as Row[]
      const summaries = await Promise.all(rows.map(decode))
      return summaries.filter((s): s is WorkplaceSummary => s !== undefined)
    },
    put(summary) {
      return inOrder(summary.id, async () => {
        const row = await encode(summary)
        await (await open()).put(STORE, row)
      })
    },
    delete(id) {
      return inOrder(id, async () => {
        await (await open()).delete(STORE, id)
      })
    },
    async reseal(onProgress) {
      const database = await open()
      const rows = (await database.getAll(STORE)) as Row[]
      let done = 0
      for (const row of rows) {
        // Written meanwhile by the app (already the new way): that newer row stays.
        const current = (await database.get(STORE, row.id)) as Row | undefined
        if (current && isSealed(current) !== vault.sealing) {
          const summary = await decode(current)
          if (summary) await database.put(STORE, await encode(summary))
          else await database.delete(STORE, row.id)
        }
        onProgress?.(++done, rows.length)
      }
    },
  }
}

/**
 * A summary as read from disk, checked: a row that is not one is left out; a saved chat window
 * that does not read as one is dropped (the chat then shows once it is open).
 */
export function readSummary(value: unknown): WorkplaceSummary | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const row = value as Record<string, unknown>
  if (typeof row.id !== 'string' || typeof row.unread !== 'number') return undefined
  const last = row.last as Record<string, unknown> | undefined
  const lastOk =
    last === undefined ||
    (typeof last === 'object' &&
      last !== null &&
      typeof last.at === 'number' &&
      typeof last.author === 'string' &&
      typeof last.preview === 'string')
  if (!lastOk) return undefined
  const window = row.window === undefined ? undefined : parseSavedWindow(row.window)
  return {
    id: row.id,
    unread: row.unread,
    ...(last === undefined ? {} : { last: last as WorkplaceSummary['last'] & object }),
    ...(window === undefined ? {} : { window }),
  }
}
