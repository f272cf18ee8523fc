import { describe, expect, it } from 'vitest'
import { isPeerId } from '../../src/peer/ids.ts'
import { createMemoryKeyStore, type KeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { peerIdFromPublicKey } from '../../src/peer/identity/peer-id.ts'
import { verifyEd25519 } from '../../src/peer/identity/verify.ts'

const message = new TextEncoder().encode('sign me')

describe('loadOrCreateIdentity', () => {
  for (const [label, subtle] of [
    ['WebCrypto', undefined],
    ['@noble/curves fallback', null],
  ] as const) {
    it(`creates a key once and loads the same peer ID after a reload (${label})`, async () => {
      const store = createMemoryKeyStore()
      const first = await loadOrCreateIdentity(store, { subtle })
      const again = await loadOrCreateIdentity(store, { subtle })
      expect(first.keyKind).toBe(subtle === null ? 'noble' : 'webcrypto')
      expect(isPeerId(first.peerId)).toBe(true)
      expect(again.peerId).toBe(first.peerId)
      expect(again.publicKey).toEqual(first.publicKey)
      expect(await peerIdFromPublicKey(first.publicKey)).toBe(first.peerId)
    })

    it(`signs so that the public key verifies, and nothing else does (${label})`, async () => {
      const identity = await loadOrCreateIdentity(createMemoryKeyStore(), { subtle })
      const other = await loadOrCreateIdentity(createMemoryKeyStore(), { subtle })
      const signature = await identity.sign(message)
      expect(signature).toHaveLength(64)
      expect(await verifyEd25519(identity.publicKey, message, signature)).toBe(true)
      expect(await verifyEd25519(other.publicKey, message, signature)).toBe(false)
      const tampered = new TextEncoder().encode('sign me!')
      expect(await verifyEd25519(identity.publicKey, tampered, signature)).toBe(false)
    })
  }

  it('gives different devices different peer IDs', async () => {
    const a = await loadOrCreateIdentity(createMemoryKeyStore())
    const b = await loadOrCreateIdentity(createMemoryKeyStore())
    expect(a.peerId).not.toBe(b.peerId)
  })

  it('keeps the first stored key when two loads race', async () => {
    const store = createMemoryKeyStore()
    const [a, b] = await Promise.all([loadOrCreateIdentity(store), loadOrCreateIdentity(store)])
    expect(a.peerId).toBe(b.peerId)
  })

  it('refuses an unreadable stored key instead of silently replacing it', async () => {
    const store: KeyStore = createMemoryKeyStore()
    await store.set('device-key', { v: 1, kind: 'noble', publicKey: new Uint8Array(3) })
    await expect(loadOrCreateIdentity(store)).rejects.toThrow(/unreadable/)
  })
})
