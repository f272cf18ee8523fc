import { ed25519 } from '@noble/curves/ed25519.js'
import type { Identity } from './identity.ts'
import type { KeyStore } from './key-store.ts'
import { peerIdFromPublicKey } from './peer-id.ts'

const RECORD = 'device-key'

/** How the private key is held: a WebCrypto key, or raw bytes for @noble/curves. */
type KeyKind = 'webcrypto' | 'noble'

type StoredKey =
  | { v: 1; kind: 'webcrypto'; publicKey: Uint8Array; privateKey: CryptoKey }
  | { v: 1; kind: 'noble'; publicKey: Uint8Array; secretKey: Uint8Array }

export interface LoadedIdentity extends Identity {
  readonly keyKind: KeyKind
}

export interface LoadIdentityOptions {
  /** WebCrypto to use; `null` forces the @noble/curves fallback. Defaults to `crypto.subtle`. */
  subtle?: SubtleCrypto | null | undefined
}

/**
 * Loads this device's key pair from `store`, creating and storing one on first use. The peer ID
 * derives from the public key, so it is stable for as long as the store keeps the record.
 */
export async function loadOrCreateIdentity(
  store: KeyStore,
  options: LoadIdentityOptions = {},
): Promise<LoadedIdentity> {
  const subtle = options.subtle === undefined ? globalThis.crypto?.subtle : options.subtle
  let stored = await store.get(RECORD)
  if (stored === undefined) stored = await store.setIfAbsent(RECORD, await generateKey(subtle))
  if (!isStoredKey(stored)) throw new Error('the stored device key is unreadable')
  return identityFrom(stored, subtle ?? null)
}

async function generateKey(subtle: SubtleCrypto | null | undefined): Promise<StoredKey> {
  if (subtle) {
    try {
      // Extractable so an encrypted backup can carry it (src/backup): a device restored from
      // one keeps its peer ID. Scripts of this origin could already sign with it either way.
      const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair
      const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
      return { v: 1, kind: 'webcrypto', publicKey, privateKey: pair.privateKey }
    } catch {
      // This browser's WebCrypto has no Ed25519: fall through to the library.
    }
  }
  const secretKey = ed25519.utils.randomSecretKey()
  return { v: 1, kind: 'noble', publicKey: ed25519.getPublicKey(secretKey), secretKey }
}

async function identityFrom(
  stored: StoredKey,
  subtle: SubtleCrypto | null,
): Promise<LoadedIdentity> {
  const peerId = await peerIdFromPublicKey(stored.publicKey)
  const publicKey = stored.publicKey
  if (stored.kind === 'noble') {
    const secretKey = stored.secretKey
    return {
      peerId,
      publicKey,
      keyKind: 'noble',
      sign: async (data) => ed25519.sign(data, secretKey),
    }
  }
  if (!subtle) throw new Error('the device key is a WebCrypto key but WebCrypto is unavailable')
  const privateKey = stored.privateKey
  return {
    peerId,
    publicKey,
    keyKind: 'webcrypto',
    signingKey: privateKey,
    sign: async (data) =>
      new Uint8Array(await subtle.sign('Ed25519', privateKey, data as BufferSource)),
  }
}

function isStoredKey(value: unknown): value is StoredKey {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  if (record.v !== 1 || !isBytes(record.publicKey, 32)) return false
  if (record.kind === 'noble') return isBytes(record.secretKey, 32)
  if (record.kind !== 'webcrypto') return false
  const key = record.privateKey as Partial<CryptoKey> | null | undefined
  return (
    typeof key === 'object' &&
    key !== null &&
    key.type === 'private' &&
    key.algorithm?.name === 'Ed25519' &&
    key.usages?.includes('sign') === true
  )
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length
}
