import { kdfInBounds, type KdfParams } from './kdf-params.ts'

/**
 * Messages between a page and its key-derivation worker (src/lib/kdf-worker.ts), version 1:
 * one request, one reply, then the worker is ended.
 */
export interface KdfRequest {
  v: 1
  /** The passphrase's bytes (UTF-8 of its NFC form). */
  password: Uint8Array
  salt: Uint8Array
  kdf: KdfParams
  bytes: number
}

export type KdfReply = { v: 1; ok: true; key: Uint8Array } | { v: 1; ok: false; message: string }

/** Key lengths a request may ask for. */
const KEY_BYTES = [16, 128] as const

export function isKdfRequest(value: unknown): value is KdfRequest {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Partial<Record<keyof KdfRequest, unknown>>
  return (
    r.v === 1 &&
    r.password instanceof Uint8Array &&
    r.salt instanceof Uint8Array &&
    r.salt.length > 0 &&
    typeof r.kdf === 'object' &&
    r.kdf !== null &&
    kdfInBounds(r.kdf) &&
    Number.isInteger(r.bytes) &&
    (r.bytes as number) >= KEY_BYTES[0] &&
    (r.bytes as number) <= KEY_BYTES[1]
  )
}

export function isKdfReply(value: unknown, bytes: number): value is KdfReply {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  if (r.v !== 1) return false
  if (r.ok === true) return r.key instanceof Uint8Array && r.key.length === bytes
  return r.ok === false && typeof r.message === 'string'
}
