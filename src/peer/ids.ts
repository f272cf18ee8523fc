/**
 * A peer ID: base32 (RFC 4648 alphabet, lower case, no padding) of the first 20 bytes of
 * SHA-256 over the raw Ed25519 public key, so 32 characters. Derived, never chosen.
 */
export type PeerId = string & { readonly __brand: 'PeerId' }

/** A signaling topic: a workplace, the "nearby" group, a direct pairing. */
export type Topic = string & { readonly __brand: 'Topic' }

const PEER_ID = /^[a-z2-7]{32}$/
const TOPIC = /^[A-Za-z0-9_.:-]{1,128}$/

export function isPeerId(value: unknown): value is PeerId {
  return typeof value === 'string' && PEER_ID.test(value)
}

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && TOPIC.test(value)
}

export function asTopic(value: string): Topic {
  if (!isTopic(value)) throw new Error(`invalid topic: ${JSON.stringify(value).slice(0, 80)}`)
  return value
}
