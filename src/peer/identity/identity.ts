import type { PeerId } from '../ids.ts'

/** This device's key pair. The private key never leaves the object. */
export interface Identity {
  readonly peerId: PeerId
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Promise<Uint8Array>
  /**
   * The private key, when it is a WebCrypto key: handed (by structured clone, never as bytes)
   * to the documents worker, which signs what it writes itself instead of asking the page for
   * each signature (two thread hops per chat message).
   */
  readonly signingKey?: CryptoKey
}
