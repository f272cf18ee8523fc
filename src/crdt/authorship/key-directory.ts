import { Emitter } from '../../lib/emitter.ts'
import { isPeerId, type PeerId } from '../../peer/ids.ts'
import { peerIdFromPublicKey } from '../../peer/identity/peer-id.ts'
import { ed25519Verifier } from '../../peer/identity/verify.ts'
import { fromBase64Url } from '../../lib/base64.ts'

type Verify = (message: Uint8Array, signature: Uint8Array) => Promise<boolean>

export interface KeyDirectoryEvents extends Record<string, unknown> {
  change: void
}

/**
 * Members' public keys, learned from anywhere: a peer ID is a hash of its key, so a (peer, key)
 * pair proves itself and anyone may publish it. Pairs that do not match are ignored.
 */
export class KeyDirectory extends Emitter<KeyDirectoryEvents> {
  readonly #keys = new Map<PeerId, Verify>()
  /** Pairs already looked at, matching or not. */
  readonly #seen = new Set<string>()

  verifier(peer: PeerId): Verify | undefined {
    return this.#keys.get(peer)
  }

  has(peer: PeerId): boolean {
    return this.#keys.has(peer)
  }

  /** Takes in `(peer, base64url key)` pairs; emits `change` if any key was new. */
  async learn(pairs: Iterable<readonly [unknown, unknown]>): Promise<void> {
    let added = false
    for (const [peer, keyText] of pairs) {
      if (!isPeerId(peer) || typeof keyText !== 'string' || this.#keys.has(peer)) continue
      const pair = `${peer} ${keyText}`
      if (this.#seen.has(pair)) continue
      this.#seen.add(pair)
      try {
        const key = fromBase64Url(keyText)
        if (key.length !== 32 || (await peerIdFromPublicKey(key)) !== peer) continue
        if (this.#keys.has(peer)) continue
        this.#keys.set(peer, ed25519Verifier(key))
        added = true
      } catch {
        // Not a key: ignored, as every other unmatched pair.
      }
    }
    if (added) this.emit('change', undefined)
  }
}
