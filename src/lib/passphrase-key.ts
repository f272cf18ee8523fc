import { scryptAsync } from '@noble/hashes/scrypt.js'

/** scrypt's cost parameters, stored beside what the key protects. */
export interface KdfParams {
  /** log2 of scrypt's N (CPU/memory cost). */
  log2N: number
  r: number
  p: number
}

/**
 * Stretches a passphrase into `bytes` of key material with scrypt (memory-hard). The caller
 * wipes the result once it has made its keys.
 */
export function stretchPassphrase(
  passphrase: string,
  salt: Uint8Array,
  kdf: KdfParams,
  bytes: number,
  onProgress?: (fraction: number) => void,
): Promise<Uint8Array> {
  return scryptAsync(new TextEncoder().encode(passphrase.normalize('NFC')), salt, {
    N: 2 ** kdf.log2N,
    r: kdf.r,
    p: kdf.p,
    dkLen: bytes,
    maxmem: 2 ** 31,
    ...(onProgress ? { onProgress } : {}),
  })
}
