import { describe, expect, it } from 'vitest'
import { BackupError } from '../../src/backup/backup-error.ts'
import {
  checkPortableKey,
  DEVICE_KEY_RECORD,
  exportDeviceKey,
  storedDeviceKey,
} from '../../src/backup/device-key-transfer.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'

async function restoredPeerId(record: unknown): Promise<string> {
  const store = createMemoryKeyStore()
  await store.set(DEVICE_KEY_RECORD, await storedDeviceKey(await exportDeviceKey(record)))
  return (await loadOrCreateIdentity(store)).peerId
}

describe('device key in a backup', () => {
  it('carries a WebCrypto key: the restored device has the same peer ID and signs alike', async () => {
    const store = createMemoryKeyStore()
    const original = await loadOrCreateIdentity(store)
    expect(original.keyKind).toBe('webcrypto')
    const record = await store.get(DEVICE_KEY_RECORD)
    expect(await restoredPeerId(record)).toBe(original.peerId)
    const copy = createMemoryKeyStore()
    await copy.set(DEVICE_KEY_RECORD, await storedDeviceKey(await exportDeviceKey(record)))
    const restored = await loadOrCreateIdentity(copy)
    const message = new TextEncoder().encode('hello')
    // Ed25519 is deterministic: the same key gives the same signature.
    expect(await restored.sign(message)).toEqual(await original.sign(message))
  })

  it('carries a @noble/curves key', async () => {
    const store = createMemoryKeyStore()
    const original = await loadOrCreateIdentity(store, { subtle: null })
    expect(await restoredPeerId(await store.get(DEVICE_KEY_RECORD))).toBe(original.peerId)
  })

  it('refuses a key the browser will not export, and a seed that does not match', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
    const locked = { v: 1, kind: 'webcrypto', publicKey, privateKey: pair.privateKey }
    await expect(exportDeviceKey(locked)).rejects.toThrow(/cannot be copied|not let it be copied/)
    expect(() => checkPortableKey({ publicKey, seed: new Uint8Array(32) })).toThrow(BackupError)
  })
})
