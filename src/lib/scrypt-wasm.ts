import { scrypt } from 'hash-wasm'
import type { KdfParams } from './kdf-params.ts'

/**
 * scrypt (RFC 7914) in WebAssembly: the same bytes as any scrypt, about twice as fast as one in
 * plain JavaScript. It holds the thread it runs on until done: the page runs it in a worker.
 */
export function scryptBytes(
  password: Uint8Array,
  salt: Uint8Array,
  kdf: KdfParams,
  bytes: number,
): Promise<Uint8Array> {
  return scrypt({
    password,
    salt,
    costFactor: 2 ** kdf.log2N,
    blockSize: kdf.r,
    parallelism: kdf.p,
    hashLength: bytes,
    outputType: 'binary',
  })
}
