/** Raw IndexedDB access for backups: any object store of an existing database, in batches. */

export interface StoredEntry {
  key: IDBValidKey
  value: unknown
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

/**
 * Opens a database only if it exists, at its current version: never creates one (an empty
 * database made here would stop its owner's schema upgrade from ever running).
 */
export function openExisting(factory: IDBFactory, name: string): Promise<IDBDatabase | undefined> {
  return new Promise((resolve, reject) => {
    let created = false
    const request = factory.open(name)
    request.onupgradeneeded = () => {
      created = true
      request.transaction?.abort()
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = (event) => {
      if (created) {
        event.preventDefault()
        resolve(undefined)
      } else reject(request.error ?? new Error(`cannot open ${name}`))
    }
    request.onblocked = () => console.warn(`backup: opening ${name} is blocked by another tab`)
  })
}

export async function countEntries(db: IDBDatabase, store: string): Promise<number> {
  return settle(db.transaction(store, 'readonly').objectStore(store).count())
}

/**
 * Every entry of a store in key order, read `batch` at a time (each batch in its own
 * transaction, so nothing is held open while the caller encrypts or writes). The next batch is
 * read while the caller works on this one.
 */
export async function* readEntries(
  db: IDBDatabase,
  store: string,
  batch: number,
): AsyncGenerator<StoredEntry> {
  const fetch = (after: IDBValidKey | undefined) => {
    const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true)
    const objects = db.transaction(store, 'readonly').objectStore(store)
    return Promise.all([
      settle(objects.getAllKeys(range, batch)),
      settle(objects.getAll(range, batch)),
    ])
  }
  let next = fetch(undefined)
  for (;;) {
    const [keys, values] = await next
    const full = keys.length === batch
    if (full) {
      next = fetch(keys[keys.length - 1])
      // Left unread if the caller stops early: not an unhandled failure then.
      next.catch(() => {})
    }
    for (let i = 0; i < keys.length; i++) yield { key: keys[i]!, value: values[i] }
    if (!full) return
  }
}

/** Writes entries in one transaction (a key-path store takes its keys from the values). */
export async function putEntries(
  db: IDBDatabase,
  store: string,
  entries: readonly StoredEntry[],
): Promise<void> {
  // Relaxed: a restore cut short is started again; it need not wait for each batch on disk.
  const tx = db.transaction(store, 'readwrite', { durability: 'relaxed' })
  const objects = tx.objectStore(store)
  const inline = objects.keyPath !== null
  for (const { key, value } of entries) {
    if (inline) objects.put(value)
    else objects.put(value, key)
  }
  await done(tx)
}

/** Whether `key` is a valid IndexedDB key. */
export function isValidKey(factory: IDBFactory, key: unknown): key is IDBValidKey {
  try {
    factory.cmp(key, key)
    return true
  } catch {
    return false
  }
}

/** The key a key-path store derives from `value`, or undefined if it has none. */
export function keyAtPath(value: unknown, keyPath: string | string[]): unknown {
  const one = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (at, part) =>
          typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined,
        value,
      )
  return Array.isArray(keyPath) ? keyPath.map(one) : one(keyPath)
}

/**
 * Empties every object store of a database in one transaction, keeping the value at `keep`
 * (in any store that has it): all of it goes, or none.
 */
export async function clearDatabase(db: IDBDatabase, keep?: IDBValidKey): Promise<void> {
  const names = [...db.objectStoreNames]
  if (names.length === 0) return
  const tx = db.transaction(names, 'readwrite')
  for (const name of names) {
    const store = tx.objectStore(name)
    if (keep === undefined) {
      store.clear()
      continue
    }
    const kept = store.get(keep)
    kept.onsuccess = () => {
      store.clear()
      if (kept.result === undefined) return
      if (store.keyPath === null) store.put(kept.result, keep)
      else store.put(kept.result)
    }
  }
  await done(tx)
}
