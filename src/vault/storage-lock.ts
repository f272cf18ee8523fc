import type { KdfParams } from '../lib/passphrase-key.ts'
import { readVaultConfig, writeVaultConfig, type VaultConfig } from './vault-config.ts'
import { createVaultKey, unlockVaultKey, VaultError, type Vault } from './vault.ts'

/** A store whose values can be rewritten the way the vault now writes them. */
export interface Resealable {
  reseal(onProgress?: (done: number, total: number) => void): Promise<void>
}

export type LockState = 'off' | 'sealing' | 'on' | 'unsealing'

export interface StorageLockOptions {
  vault: Vault
  settings: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  /** The stores that seal through the vault (known once the app's storage is open). */
  stores: () => Promise<readonly Resealable[]>
  /** The key derivation's cost for a new key (tests use a cheap one). */
  kdf?: KdfParams
}

/**
 * Encryption at rest, turned on and off by the person: a passphrase gives the key (never
 * stored), every store is re-encrypted in place, and the config records how far that got, so
 * a tab closed halfway carries on at the next unlock with nothing lost.
 */
export class StorageLock {
  readonly #options: StorageLockOptions
  #config: VaultConfig | undefined

  constructor(options: StorageLockOptions) {
    this.#options = options
    this.#config = readVaultConfig(options.settings)
  }

  get state(): LockState {
    return this.#config?.state ?? 'off'
  }

  /** Whether the app must ask for the passphrase before it opens its storage. */
  get needsUnlock(): boolean {
    return this.#config !== undefined
  }

  /** Opens the vault with the passphrase (at start); throws VaultError('wrong-passphrase'). */
  async unlock(passphrase: string): Promise<void> {
    if (!this.#config) return
    const key = await unlockVaultKey(this.#config, passphrase)
    this.#options.vault.use(key, this.#config.state !== 'unsealing')
  }

  /** Finishes a re-encryption an earlier session started; call once the stores are open. */
  async resume(onProgress?: (done: number, total: number) => void): Promise<void> {
    if (this.state === 'sealing' || this.state === 'unsealing') await this.#finish(onProgress)
  }

  /** Turns the lock on: new key from the passphrase, then everything stored is sealed. */
  async enable(
    passphrase: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    if (this.#config) throw new VaultError('damaged', 'The storage lock is already on.')
    const { key, config } = await createVaultKey(passphrase, this.#options.kdf)
    // Written before anything is sealed: an interrupted run is found and finished later.
    this.#save(config)
    this.#options.vault.use(key, true)
    await this.#finish(onProgress)
  }

  /** Turns the lock off (the passphrase confirms it): everything is stored plain again. */
  async disable(
    passphrase: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    if (!this.#config) return
    const key = await unlockVaultKey(this.#config, passphrase)
    this.#save({ ...this.#config, state: 'unsealing' })
    this.#options.vault.use(key, false)
    await this.#finish(onProgress)
  }

  async #finish(onProgress?: (done: number, total: number) => void): Promise<void> {
    const stores = await this.#options.stores()
    const totals = stores.map(() => 0)
    const dones = stores.map(() => 0)
    await Promise.all(
      stores.map((store, i) =>
        store.reseal((done, total) => {
          dones[i] = done
          totals[i] = total
          onProgress?.(sum(dones), sum(totals))
        }),
      ),
    )
    if (this.#config?.state === 'unsealing') this.#save(undefined)
    else if (this.#config) this.#save({ ...this.#config, state: 'on' })
  }

  #save(config: VaultConfig | undefined): void {
    writeVaultConfig(this.#options.settings, config)
    this.#config = config
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
