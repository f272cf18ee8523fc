/** SHA-256 of some bytes. WebCrypto's by default; injectable so tests and Node share code. */
export type Sha256 = (bytes: Uint8Array) => Promise<Uint8Array>

export const HASH_BYTES = 32

/** A SHA-256 as 64 lower-case hex characters: chunk keys and file IDs. */
export type HashHex = string & { readonly __brand: 'HashHex' }

const HASH_HEX = /^[0-9a-f]{64}$/

export function webCryptoSha256(subtle: SubtleCrypto = globalThis.crypto.subtle): Sha256 {
  return async (bytes) =>
    new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

export function isHashHex(value: unknown): value is HashHex {
  return typeof value === 'string' && HASH_HEX.test(value)
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array): HashHex {
  let out = ''
  for (const byte of bytes) out += HEX[byte]
  return out as HashHex
}

export function fromHex(hex: HashHex): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
