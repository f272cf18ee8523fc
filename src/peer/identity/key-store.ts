/**
 * The tiny persistent record store behind identity and profile data. Values must be
 * structured-cloneable (a CryptoKey is). Injected so Node tests can use
 * `createMemoryKeyStore` and the browser `createIdbKeyStore`.
 */
export interface KeyStore {
  get(name: string): Promise<unknown>
  set(name: string, value: unknown): Promise<void>
  /**
   * Stores `value` under `name` unless a value is already there, atomically; resolves to the
   * value stored afterwards (so two tabs creating an identity at once end up with the same one).
   */
  setIfAbsent(name: string, value: unknown): Promise<unknown>
}

/** An in-memory KeyStore that clones values as IndexedDB would. For tests and Node. */
export function createMemoryKeyStore(): KeyStore {
  const records = new Map<string, unknown>()
  return {
    get: async (name) => (records.has(name) ? structuredClone(records.get(name)) : undefined),
    set: async (name, value) => {
      records.set(name, structuredClone(value))
    },
    setIfAbsent: async (name, value) => {
      if (!records.has(name)) records.set(name, structuredClone(value))
      return structuredClone(records.get(name))
    },
  }
}
