import { isKdfReply, type KdfRequest } from './kdf-worker-protocol.ts'
import type { KdfParams } from './kdf-params.ts'

export type { KdfParams }

/** Longer than any derivation within the bounds takes, even on a slow phone. */
const DEADLINE_MS = 5 * 60_000

/**
 * Stretches a passphrase into `bytes` of key material with scrypt (memory-hard), in a worker of
 * its own where there are workers (the page keeps painting and answering meanwhile), else here.
 * Same bytes either way, and as any scrypt gives: keys made earlier still open. The caller wipes
 * the result once it has made its keys.
 */
export async function stretchPassphrase(
  passphrase: string,
  salt: Uint8Array,
  kdf: KdfParams,
  bytes: number,
): Promise<Uint8Array> {
  const password = new TextEncoder().encode(passphrase.normalize('NFC'))
  try {
    const request: KdfRequest = { v: 1, password, salt, kdf, bytes }
    const fromWorker = await inWorker(request)
    if (fromWorker) return fromWorker
    const { scryptBytes } = await import('./scrypt-wasm.ts')
    return await scryptBytes(password, salt, kdf, bytes)
  } finally {
    password.fill(0)
  }
}

/** The key from a worker; undefined when no worker could run it (then it is derived here). */
function inWorker(request: KdfRequest): Promise<Uint8Array | undefined> {
  if (typeof Worker === 'undefined') return Promise.resolve(undefined)
  let worker: Worker
  try {
    worker = new Worker(new URL('./kdf-worker.ts', import.meta.url), { type: 'module' })
  } catch {
    return Promise.resolve(undefined)
  }
  return new Promise<Uint8Array | undefined>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('Deriving the key from the passphrase took too long.'))
    }, DEADLINE_MS)
    const done = () => {
      clearTimeout(timer)
      worker.terminate()
    }
    worker.onmessage = (event: MessageEvent<unknown>) => {
      done()
      const reply = event.data
      if (!isKdfReply(reply, request.bytes))
        reject(new Error('The key derivation answered wrongly.'))
      else if (reply.ok) resolve(reply.key)
      else reject(new Error(reply.message))
    }
    // The worker's script did not load or run (an old browser, a blocked script).
    worker.onerror = (event) => {
      event.preventDefault()
      done()
      console.warn('The key derivation worker did not start; deriving on the page instead.')
      resolve(undefined)
    }
    worker.postMessage(request)
  })
}
