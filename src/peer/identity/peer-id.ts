import { base32 } from '../../lib/base32.ts'
import { isPeerId, type PeerId } from '../ids.ts'

/** The peer ID of a raw 32-byte Ed25519 public key: base32 of the first 20 bytes of SHA-256. */
export async function peerIdFromPublicKey(publicKey: Uint8Array): Promise<PeerId> {
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes')
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey as BufferSource))
  const id = base32(digest.subarray(0, 20))
  if (!isPeerId(id)) throw new Error('peer ID derivation produced an invalid ID')
  return id
}
