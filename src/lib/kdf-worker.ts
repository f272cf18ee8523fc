/**
 * A dedicated worker that stretches one passphrase with scrypt, so the page stays responsive
 * (scrypt holds its thread for up to a few seconds). Started by passphrase-key.ts per key.
 */
import { isKdfRequest, type KdfReply } from './kdf-worker-protocol.ts'
import { scryptBytes } from './scrypt-wasm.ts'

interface WorkerScope {
  onmessage: ((event: MessageEvent<unknown>) => void) | null
  postMessage(message: KdfReply, transfer?: Transferable[]): void
}

const scope = self as unknown as WorkerScope

scope.onmessage = async (event) => {
  const request = event.data
  if (!isKdfRequest(request)) {
    scope.postMessage({ v: 1, ok: false, message: 'The key derivation was asked wrongly.' })
    return
  }
  try {
    const key = await scryptBytes(request.password, request.salt, request.kdf, request.bytes)
    request.password.fill(0)
    scope.postMessage({ v: 1, ok: true, key }, [key.buffer as ArrayBuffer])
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    scope.postMessage({ v: 1, ok: false, message: `The key could not be derived: ${message}` })
  }
}
