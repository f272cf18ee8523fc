import { isPeerId, type PeerId } from '../ids.ts'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32, lower case, unpadded. */
export function base32(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31]
  return out
}

/** The peer ID of a raw 32-byte Ed25519 public key: base32 of the first 20 bytes of SHA-256. */
export async function peerIdFromPublicKey(publicKey: Uint8Array): Promise<PeerId> {
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes')
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey as BufferSource))
  const id = base32(digest.subarray(0, 20))
  if (!isPeerId(id)) throw new Error('peer ID derivation produced an invalid ID')
  return id
}
