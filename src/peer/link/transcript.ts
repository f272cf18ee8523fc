import type { PeerId } from '../ids.ts'
import { ByteWriter } from '../../lib/bytes.ts'

const DOMAIN = 'peerplace-link-v1'

/** One side of a link handshake as both ends see it. */
export interface HandshakeParty {
  peerId: PeerId
  nonce: Uint8Array
  /** That side's own DTLS fingerprint: our local one, or the remote one from the SDP. */
  fingerprint: string
}

/**
 * The bytes a side signs to prove its key on this connection: the domain, then the signer's
 * peer ID, nonce and DTLS fingerprint, then the other side's. The order is by role, so a proof
 * reflected back at its signer never verifies, and binding both fingerprints means a proof
 * relayed onto another connection fails.
 */
export function authTranscript(signer: HandshakeParty, other: HandshakeParty): Uint8Array {
  const out = new ByteWriter().string8(DOMAIN)
  for (const party of [signer, other]) {
    out.string8(party.peerId).bytes(party.nonce).string16(party.fingerprint)
  }
  return out.finish()
}
