import type { Vault } from '../vault/vault.ts'

/**
 * How a direct-store record is kept when the storage lock is on: the fields its object store
 * needs for keys and indexes stay readable (peer IDs, times, a file's state), and everything
 * else (names, text, file names, queued wires) is one sealed JSON value. The record's place
 * (store and key) is the associated data, so a sealed value moved to another record does not
 * open. With the lock off the record is kept in its plain form, as before the lock existed.
 */
export interface SealedRecord {
  sealed: Uint8Array
}

export function isSealedRecord(value: unknown): value is SealedRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<SealedRecord>).sealed instanceof Uint8Array
  )
}

export class DirectRecordSealer {
  readonly #vault: Vault

  constructor(vault: Vault) {
    this.#vault = vault
  }

  /** Whether a stored record is already the way the vault now writes (a re-seal skips it). */
  settled(stored: unknown): boolean {
    return isSealedRecord(stored) === this.#vault.sealing
  }

  /**
   * The record to store: `plain` as it is while the lock is off, or its `readable` fields with
   * `content` sealed while it is on.
   */
  async store<R extends object, K extends object>(
    context: string,
    content: unknown,
    plain: R,
    readable: K,
  ): Promise<R | (K & SealedRecord)> {
    if (!this.#vault.sealing) return plain
    const bytes = new TextEncoder().encode(JSON.stringify(content))
    return { ...readable, sealed: await this.#vault.seal(context, bytes) }
  }

  /** The content of a stored record, whichever way it is stored; `plain` reads the plain form. */
  async open<T>(context: string, stored: unknown, plain: (stored: never) => T): Promise<T> {
    if (!isSealedRecord(stored)) return plain(stored as never)
    const bytes = await this.#vault.read(context, stored.sealed)
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T
    } catch {
      throw new Error(`A stored conversation record (${context}) does not open: it is damaged.`)
    }
  }
}
