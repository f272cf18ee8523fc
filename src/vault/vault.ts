import { fromBase64Url, toBase64Url } from '../lib/base64.ts'
import { stretchPassphrase, type KdfParams } from '../lib/passphrase-key.ts'
import { looksSealed, sealBytes, unsealBytes } from './sealed-bytes.ts'
import type { VaultConfig } from './vault-config.ts'
import type { AtRestLoan } from '../crdt/documents-worker/worker-storage.ts'

/** scrypt with 128 MiB: about a second on a laptop, as for backups. */
const VAULT_KDF: KdfParams = { log2N: 17, r: 8, p: 1 }
const CHECK_CONTEXT = 'vault-check'
const CHECK_TEXT = 'peerplace at-rest lock'

/** Why the lock refused: the UI picks its words by `code`. */
export class VaultError extends Error {
  readonly code: 'wrong-passphrase' | 'locked' | 'damaged'

  constructor(code: VaultError['code'], message: string) {
    super(message)
    this.name = 'VaultError'
    this.code = code
  }
}

/**
 * The at-rest key of this device, when the storage lock is on. Stores seal what they write
 * through it and open what they read; a value stored before the lock was turned on (or after
 * it was turned off) is read as it is, so a re-encryption that was interrupted loses nothing
 * and simply carries on later.
 */
export class Vault {
  #key: CryptoKey | undefined
  #sealing = false
  readonly #listeners = new Set<() => void>()

  /** A vault that seals nothing (the lock is off). */
  static open(): Vault {
    return new Vault()
  }

  /** Whether what is written now is sealed. */
  get sealing(): boolean {
    return this.#sealing
  }

  /** Starts (or stops) sealing new writes; the key stays, to read what is still sealed. */
  use(key: CryptoKey | undefined, sealing: boolean): void {
    this.#key = key
    this.#sealing = sealing && key !== undefined
    for (const listener of this.#listeners) listener()
  }

  /** The key and whether it seals, lent to a worker by structured clone (never extracted). */
  lent(): AtRestLoan {
    return { ...(this.#key ? { key: this.#key } : {}), sealing: this.#sealing }
  }

  /** Calls `listener` after each `use` (the lock turned on or off); returns its removal. */
  onUse(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Whether a stored value is already the way this vault writes (a re-seal may skip it). */
  settled(stored: Uint8Array): boolean {
    return looksSealed(stored) === this.#sealing
  }

  async seal(context: string, plain: Uint8Array): Promise<Uint8Array> {
    if (!this.#sealing || !this.#key) return plain
    return sealBytes(this.#key, plain, context)
  }

  /** The plain bytes of a stored value, whichever way it is stored. */
  async read(context: string, stored: Uint8Array): Promise<Uint8Array> {
    if (!looksSealed(stored)) return stored
    if (!this.#key) throw new VaultError('locked', 'Storage is locked: unlock it first.')
    // Plain bytes that happen to start like a sealed value (a file's chunk can) stay as they are.
    return (await unsealBytes(this.#key, stored, context)) ?? stored
  }
}

/** Makes a new at-rest key from a passphrase, with the config that finds it again. */
export async function createVaultKey(
  passphrase: string,
  kdf: KdfParams = VAULT_KDF,
): Promise<{ key: CryptoKey; config: VaultConfig }> {
  if (passphrase.length < 8) {
    throw new VaultError('wrong-passphrase', 'Use a passphrase of at least 8 characters.')
  }
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const key = await deriveKey(passphrase, salt, kdf)
  const check = await sealBytes(key, new TextEncoder().encode(CHECK_TEXT), CHECK_CONTEXT)
  const config: VaultConfig = {
    v: 1,
    salt: toBase64Url(salt),
    kdf,
    check: toBase64Url(check),
    state: 'sealing',
  }
  return { key, config }
}

/** The at-rest key a passphrase gives, or VaultError('wrong-passphrase'). */
export async function unlockVaultKey(config: VaultConfig, passphrase: string): Promise<CryptoKey> {
  const key = await deriveKey(passphrase, fromBase64Url(config.salt), config.kdf)
  const check = await unsealBytes(key, fromBase64Url(config.check), CHECK_CONTEXT)
  if (!check || new TextDecoder().decode(check) !== CHECK_TEXT) {
    throw new VaultError('wrong-passphrase', 'That passphrase does not unlock this device.')
  }
  return key
}

async function deriveKey(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<CryptoKey> {
  const secret = await stretchPassphrase(passphrase, salt, kdf, 32)
  try {
    return await crypto.subtle.importKey(
      'raw',
      secret as Uint8Array<ArrayBuffer>,
      'AES-GCM',
      false,
      ['encrypt', 'decrypt'],
    )
  } finally {
    secret.fill(0)
  }
}
