import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { stretchPassphrase } from '../lib/passphrase-key.ts'
import { BackupError } from './backup-error.ts'
import { MAC_BYTES, type KdfParams } from './backup-format.ts'

/** The keys one passphrase and salt give: AES-GCM for frames, HMAC for the header. */
export interface BackupKeys {
  aes: CryptoKey
  mac: Uint8Array
}

/** Derives the keys with scrypt (64 bytes: the AES key, then the header MAC key). */
export async function deriveBackupKeys(
  passphrase: string,
  salt: Uint8Array,
  kdf: KdfParams,
): Promise<BackupKeys> {
  if (passphrase.length === 0) throw new BackupError('wrong-passphrase', 'Enter a passphrase.')
  const secret = await stretchPassphrase(passphrase, salt, kdf, 64)
  const aes = await crypto.subtle.importKey(
    'raw',
    secret.slice(0, 32) as Uint8Array<ArrayBuffer>,
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  )
  const mac = secret.slice(32)
  secret.fill(0)
  return { aes, mac }
}

export function headerMac(keys: BackupKeys, body: Uint8Array): Uint8Array {
  return hmac(sha256, keys.mac, body).subarray(0, MAC_BYTES)
}

/** Whether `mac` is the header MAC of `body`, compared in constant time. */
export function headerMacMatches(keys: BackupKeys, body: Uint8Array, mac: Uint8Array): boolean {
  const expected = headerMac(keys, body)
  if (expected.length !== mac.length) return false
  let diff = 0
  for (let i = 0; i < mac.length; i++) diff |= expected[i]! ^ mac[i]!
  return diff === 0
}
