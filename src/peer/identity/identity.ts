import type { PeerId } from '../ids.ts'

/** This device's key pair. The private key never leaves the object. */
export interface Identity {
  readonly peerId: PeerId
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Promise<Uint8Array>
}
