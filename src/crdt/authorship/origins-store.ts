import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import type { OriginsSnapshot } from './origins-snapshot.ts'

/**
 * Where what a RecordOrigins read of a document's history is kept between visits (see
 * origins-snapshot.ts). Saves of one reader are coalesced: one write at a time, then only the
 * newest snapshot waiting.
 */
export interface OriginsStore {
  /** The stored snapshot of `doc`'s `map` reader, unchecked (undefined if none or unreadable). */
  load(doc: string, map: string): Promise<unknown>
  save(doc: string, map: string, snapshot: OriginsSnapshot): void
  /** Resolves once every save asked for so far is written (or failed). */
  flushed(): Promise<void>
}

/** Kept under its own key prefix, beside the documents (so sealed and backed up with them). */
const PREFIX = 'peerplace-record-origins'

/**
 * A store in the repo's storage; automerge-repo reads only keys that start with a document ID.
 * `beforeSave` should write the document itself first (the repo's `flush`): a snapshot is used
 * only if the stored document holds its heads, and the repo saves a document a little after it
 * changed, so a page closed in between would otherwise leave a snapshot the next start refuses.
 */
export function storageOriginsStore(
  storage: StorageAdapterInterface,
  beforeSave: (doc: string) => Promise<void> = async () => {},
): OriginsStore {
  const writing = new Map<string, Promise<void>>()
  const waiting = new Map<string, OriginsSnapshot>()
  const write = (doc: string, map: string): Promise<void> => {
    const id = `${doc}/${map}`
    const snapshot = waiting.get(id)
    if (!snapshot) {
      writing.delete(id)
      return Promise.resolve()
    }
    waiting.delete(id)
    const bytes = new TextEncoder().encode(JSON.stringify(snapshot))
    const done = beforeSave(doc)
      .then(() => storage.save([PREFIX, doc, map], bytes))
      .catch((error: unknown) => console.warn(`history index of ${doc} not saved`, error))
      .then(() => write(doc, map))
    writing.set(id, done)
    return done
  }
  return {
    async load(doc, map) {
      try {
        const bytes = await storage.load([PREFIX, doc, map])
        return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as unknown) : undefined
      } catch {
        return undefined
      }
    },
    save(doc, map, snapshot) {
      const id = `${doc}/${map}`
      waiting.set(id, snapshot)
      if (!writing.has(id)) void write(doc, map)
    },
    async flushed() {
      while (writing.size > 0) await Promise.all([...writing.values()])
    },
  }
}
