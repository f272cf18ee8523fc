/**
 * Proof that a PeerJS broker ID belongs to the device whose key it names. Peerplace's broker
 * IDs end in a peer ID (see peerjs-presence.ts); the client sends, as its PeerJS `token`, its
 * public key and its signature over the broker's host name and that peer ID. The broker checks
 * it when the socket opens, so nobody else can take (squat) those IDs. The token is the same for
 * every ID of one device on one broker; it travels only to the broker.
 */
import { isPeerId, type PeerId } from '../ids.ts'
import type { Identity } from '../identity/identity.ts'
import { peerIdFromPublicKey } from '../identity/peer-id.ts'
import { verifyEd25519 } from '../identity/verify.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'

const BROKER_PROOF_VERSION = 1

/**
 * The broker's ERROR message to a connection whose ID a newer connection proved (a page
 * reopened, a tab taking over): like the relay's `replaced`, the older one must not come back.
 */
export const BROKER_ID_TAKEN_OVER = 'another connection proved this ID'
/** The close code that goes with it (the relay's `replaced` uses the same). */
export const BROKER_TAKEN_OVER_CODE = 4001

/** The peer ID a Peerplace broker ID ends in: "pp-<peer>" or "pp<topic hash>-<peer>". */
function peerOfBrokerId(id: string): PeerId | undefined {
  const match = /^pp(?:[a-z2-7]{16})?-([a-z2-7]+)$/.exec(id)
  const peer = match?.[1]
  return isPeerId(peer) ? peer : undefined
}

/** The bytes signed: domain-separated, bound to one broker host and one peer ID. */
function brokerProofMessage(host: string, peer: PeerId): Uint8Array {
  return new TextEncoder().encode(
    `peerplace-peerjs-v${BROKER_PROOF_VERSION}:${host.toLowerCase()}:${peer}`,
  )
}

/** The token that proves the device's broker IDs on `host` (a host name, no port). */
export async function brokerIdProof(identity: Identity, host: string): Promise<string> {
  const signature = await identity.sign(brokerProofMessage(host, identity.peerId))
  return `${toBase64Url(identity.publicKey)}.${toBase64Url(signature)}`
}

/** The peer ID proven by `token` for broker ID `id` on `host`, or undefined. Never throws. */
export async function verifyBrokerIdProof(
  id: string,
  token: string,
  host: string,
): Promise<PeerId | undefined> {
  const peer = peerOfBrokerId(id)
  const [key, signature, extra] = token.split('.')
  if (!peer || !key || !signature || extra !== undefined) return undefined
  const publicKey = fieldBytes(key)
  const signatureBytes = fieldBytes(signature)
  if (publicKey?.length !== 32 || signatureBytes?.length !== 64) return undefined
  if ((await peerIdFromPublicKey(publicKey)) !== peer) return undefined
  const valid = await verifyEd25519(publicKey, brokerProofMessage(host, peer), signatureBytes)
  return valid ? peer : undefined
}

/** Decodes a base64url field of a broker proof; undefined when malformed. */
function fieldBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined
  try {
    return fromBase64Url(text)
  } catch {
    return undefined
  }
}
