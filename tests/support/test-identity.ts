import type { Identity } from '../../src/peer/identity/identity.ts'
import { peerIdFromPublicKey } from '../../src/peer/identity/peer-id.ts'

/** A fresh in-memory Ed25519 identity (WebCrypto), for tests in Node. */
export async function createTestIdentity(): Promise<Identity> {
  const pair = (await crypto.subtle.generateKey('Ed25519', false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return {
    peerId: await peerIdFromPublicKey(publicKey),
    publicKey,
    signingKey: pair.privateKey,
    async sign(data) {
      return new Uint8Array(
        await crypto.subtle.sign('Ed25519', pair.privateKey, data as BufferSource),
      )
    },
  }
}
