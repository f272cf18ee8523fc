/** Small helpers shared by the signaling contract suites and their runners. */
import { ed25519 } from '@noble/curves/ed25519.js'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { base32 } from '../../src/lib/base32.ts'
import { peerIdFromPublicKey } from '../../src/peer/identity/peer-id.ts'

/** A syntactically valid peer ID that no key stands behind. */
export function randomPeerId(): PeerId {
  return base32(crypto.getRandomValues(new Uint8Array(20))) as PeerId
}

export function randomTopic(): Topic {
  return `test-${base32(crypto.getRandomValues(new Uint8Array(5)))}` as Topic
}

/** An in-memory Ed25519 identity, for carriers that authenticate (the relay). */
export async function testIdentity(): Promise<Identity> {
  const secretKey = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(secretKey)
  return {
    peerId: await peerIdFromPublicKey(publicKey),
    publicKey,
    sign: async (data) => ed25519.sign(data, secretKey),
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}
