import { fromBase64Url } from '../lib/base64.ts'
import { kdfInBounds, type KdfParams } from '../lib/kdf-params.ts'

/**
 * What is kept in the clear about the at-rest lock: the salt and cost of the key derivation, a
 * value sealed with the key (to tell a wrong passphrase at once), and where a change of state
 * stands. `sealing`/`unsealing`: a re-encryption was started and may not have finished; it is
 * resumed at the next unlock (every stored value is read whichever way it is stored).
 */
export interface VaultConfig {
  v: 1
  salt: string
  kdf: KdfParams
  check: string
  state: 'sealing' | 'on' | 'unsealing'
}

/** Where the config lives: beside the app's settings, so a backup carries it along. */
export const VAULT_CONFIG_KEY = 'peerplace.vault'

export function readVaultConfig(storage: Pick<Storage, 'getItem'>): VaultConfig | undefined {
  const raw = storage.getItem(VAULT_CONFIG_KEY)
  if (raw === null) return undefined
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new Error('The storage lock settings are damaged.')
  }
  if (!isVaultConfig(value)) throw new Error('The storage lock settings are damaged.')
  return value
}

export function writeVaultConfig(
  storage: Pick<Storage, 'setItem' | 'removeItem'>,
  config: VaultConfig | undefined,
): void {
  if (config) storage.setItem(VAULT_CONFIG_KEY, JSON.stringify(config))
  else storage.removeItem(VAULT_CONFIG_KEY)
}

function isVaultConfig(value: unknown): value is VaultConfig {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Partial<Record<keyof VaultConfig, unknown>>
  const kdf = c.kdf as Partial<Record<keyof KdfParams, unknown>> | undefined
  const decodes = (text: unknown) => {
    if (typeof text !== 'string') return false
    try {
      return fromBase64Url(text).length > 0
    } catch {
      return false
    }
  }
  return (
    c.v === 1 &&
    decodes(c.salt) &&
    decodes(c.check) &&
    (c.state === 'sealing' || c.state === 'on' || c.state === 'unsealing') &&
    typeof kdf === 'object' &&
    kdf !== null &&
    kdfInBounds(kdf)
  )
}
