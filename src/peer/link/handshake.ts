import type { PeerId } from '../ids.ts'
import type { Identity } from '../identity/identity.ts'
import { peerIdFromPublicKey } from '../identity/peer-id.ts'
import {
  LINK_PROTOCOL_VERSION,
  NONCE_LENGTH,
  type Frame,
  type HelloFrame,
} from './link-protocol.ts'
import { authTranscript, type HandshakeParty } from './transcript.ts'

export type VerifySignature = (
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
) => Promise<boolean>

export type HandshakeStep =
  | { kind: 'reply'; frame: Frame }
  | { kind: 'done'; remote: PeerId }
  | { kind: 'fail'; detail: string }

/**
 * One side of the link handshake. Each side sends `hello` (peer ID, public key, fresh nonce);
 * on the peer's hello it checks that the peer ID derives from the key (and is the expected
 * one) and answers with its signature over the transcript; on the peer's proof it verifies
 * that signature. Anything out of order fails the handshake.
 */
export class Handshake {
  readonly hello: HelloFrame
  readonly #identity: Identity
  readonly #fingerprints: { readonly local: string; readonly remote: string }
  readonly #expectedPeer: PeerId | undefined
  readonly #verify: VerifySignature
  #remote: HelloFrame | null = null

  constructor(
    identity: Identity,
    fingerprints: { readonly local: string; readonly remote: string },
    expectedPeer: PeerId | undefined,
    verify: VerifySignature,
  ) {
    this.#identity = identity
    this.#fingerprints = fingerprints
    this.#expectedPeer = expectedPeer
    this.#verify = verify
    this.hello = {
      type: 'hello',
      version: LINK_PROTOCOL_VERSION,
      peerId: identity.peerId,
      publicKey: identity.publicKey,
      nonce: crypto.getRandomValues(new Uint8Array(NONCE_LENGTH)),
    }
  }

  async receive(frame: Frame): Promise<HandshakeStep> {
    if (frame.type === 'hello') return this.#onHello(frame)
    if (frame.type === 'auth-proof') return this.#onProof(frame.signature)
    return { kind: 'fail', detail: `unexpected ${frame.type} frame during authentication` }
  }

  async #onHello(hello: HelloFrame): Promise<HandshakeStep> {
    if (this.#remote) return { kind: 'fail', detail: 'second hello' }
    if ((await peerIdFromPublicKey(hello.publicKey)) !== hello.peerId) {
      return { kind: 'fail', detail: `peer ID ${hello.peerId} does not match its public key` }
    }
    if (hello.nonce.every((byte, i) => byte === this.hello.nonce[i])) {
      return { kind: 'fail', detail: 'the peer echoed our nonce' }
    }
    if (this.#expectedPeer !== undefined && hello.peerId !== this.#expectedPeer) {
      return { kind: 'fail', detail: `expected ${this.#expectedPeer}, met ${hello.peerId}` }
    }
    this.#remote = hello
    const signature = await this.#identity.sign(this.#transcript(true))
    return { kind: 'reply', frame: { type: 'auth-proof', signature } }
  }

  async #onProof(signature: Uint8Array): Promise<HandshakeStep> {
    const remote = this.#remote
    if (!remote) return { kind: 'fail', detail: 'proof before hello' }
    const valid = await this.#verify(remote.publicKey, this.#transcript(false), signature)
    if (!valid) return { kind: 'fail', detail: `${remote.peerId} failed to prove its key` }
    return { kind: 'done', remote: remote.peerId }
  }

  /** The transcript signed by us (`byUs`) or by the peer. */
  #transcript(byUs: boolean): Uint8Array {
    const remote = this.#remote
    if (!remote) throw new Error('no remote hello yet')
    const local: HandshakeParty = {
      peerId: this.hello.peerId,
      nonce: this.hello.nonce,
      fingerprint: this.#fingerprints.local,
    }
    const peer: HandshakeParty = {
      peerId: remote.peerId,
      nonce: remote.nonce,
      fingerprint: this.#fingerprints.remote,
    }
    return byUs ? authTranscript(local, peer) : authTranscript(peer, local)
  }
}
