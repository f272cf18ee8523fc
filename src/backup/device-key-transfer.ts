import { ed25519 } from '@noble/curves/ed25519.js'
import { BackupError } from './backup-error.ts'

/** The device key as a backup carries it: the Ed25519 seed and the public key it gives. */
export interface PortableDeviceKey {
  publicKey: Uint8Array
  seed: Uint8Array
}

/** The name of the identity record in the identity database (src/peer/identity/load-identity.ts). */
export const DEVICE_KEY_RECORD = 'device-key'

// PKCS#8 of an Ed25519 private key is this fixed prefix and the 32-byte seed (RFC 8410).
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

/** Reads the stored device key record into a portable form; refuses a key it cannot copy. */
export async function exportDeviceKey(record: unknown): Promise<PortableDeviceKey> {
  const r = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>
  const publicKey = r.publicKey
  if (r.v !== 1 || !(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new BackupError('cannot-back-up', 'This device has no readable key to back up.')
  }
  if (r.kind === 'noble' && r.secretKey instanceof Uint8Array) {
    return checked({ publicKey, seed: r.secretKey.slice() }, 'cannot-back-up')
  }
  const key = r.privateKey
  if (r.kind === 'webcrypto' && key instanceof CryptoKey) {
    if (!key.extractable) {
      throw new BackupError(
        'cannot-back-up',
        "This device's key was made before backups existed and the browser will not let it be copied. A backup of it cannot keep this device's identity.",
      )
    }
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', key))
    const prefixed = PKCS8_PREFIX.every((byte, i) => pkcs8[i] === byte)
    if (!prefixed || pkcs8.length !== PKCS8_PREFIX.length + 32) {
      throw new BackupError('cannot-back-up', "This device's key is in an unexpected form.")
    }
    return checked({ publicKey, seed: pkcs8.slice(PKCS8_PREFIX.length) }, 'cannot-back-up')
  }
  throw new BackupError('cannot-back-up', "This device's key is in an unexpected form.")
}

/** Checks a portable key from a backup: its seed must give its public key. */
export function checkPortableKey(value: unknown): PortableDeviceKey {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const { publicKey, seed } = v
  if (
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== 32 ||
    !(seed instanceof Uint8Array) ||
    seed.length !== 32
  ) {
    throw new BackupError('invalid-content', "The backup's device key is malformed.")
  }
  return checked({ publicKey, seed }, 'invalid-content')
}

/**
 * The identity record to store for a portable key: a WebCrypto key (extractable, so later
 * backups can copy it) where the browser has Ed25519, else the raw seed for @noble/curves.
 */
export async function storedDeviceKey(key: PortableDeviceKey): Promise<unknown> {
  try {
    const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32)
    pkcs8.set(PKCS8_PREFIX, 0)
    pkcs8.set(key.seed, PKCS8_PREFIX.length)
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, 'Ed25519', true, ['sign'])
    return { v: 1, kind: 'webcrypto', publicKey: key.publicKey.slice(), privateKey }
  } catch {
    return { v: 1, kind: 'noble', publicKey: key.publicKey.slice(), secretKey: key.seed.slice() }
  }
}

function checked(
  key: PortableDeviceKey,
  code: 'cannot-back-up' | 'invalid-content',
): PortableDeviceKey {
  const derived = ed25519.getPublicKey(key.seed)
  if (!derived.every((byte, i) => byte === key.publicKey[i])) {
    throw new BackupError(code, 'The device key does not match its public key.')
  }
  return key
}
