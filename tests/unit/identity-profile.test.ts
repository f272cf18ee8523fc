import { describe, expect, it } from 'vitest'
import { DeviceProfile, normalizeDisplayName } from '../../src/peer/identity/device-profile.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { safetyNumber } from '../../src/peer/identity/safety-number.ts'

describe('DeviceProfile', () => {
  it('stores the display name apart from the identity', async () => {
    const store = createMemoryKeyStore()
    const identity = await loadOrCreateIdentity(store)
    const profile = await DeviceProfile.load(store)
    expect(profile.name).toBeNull()
    const seen: (string | null)[] = []
    profile.on('change', ({ name }) => seen.push(name))
    await profile.setName('  Ada\n Lovelace ')
    expect(profile.name).toBe('Ada Lovelace')
    expect(seen).toEqual(['Ada Lovelace'])
    expect((await DeviceProfile.load(store)).name).toBe('Ada Lovelace')
    expect((await loadOrCreateIdentity(store)).peerId).toBe(identity.peerId)
  })

  it('rejects empty and overlong names', async () => {
    const profile = await DeviceProfile.load(createMemoryKeyStore())
    await expect(profile.setName(' \t ')).rejects.toThrow(/empty/)
    await expect(profile.setName('x'.repeat(65))).rejects.toThrow(/at most/)
    expect(profile.name).toBeNull()
    expect(normalizeDisplayName('é'.repeat(64))).toHaveLength(64)
  })
})

describe('safetyNumber', () => {
  it('is order-independent, 12 digits in groups, and differs between pairs', async () => {
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => loadOrCreateIdentity(createMemoryKeyStore())),
    )
    if (!a || !b || !c) throw new Error('identities missing')
    const ab = safetyNumber(a.publicKey, b.publicKey)
    expect(ab).toMatch(/^\d{4} \d{4} \d{4}$/)
    expect(safetyNumber(b.publicKey, a.publicKey)).toBe(ab)
    expect(safetyNumber(a.publicKey, c.publicKey)).not.toBe(ab)
    expect(safetyNumber(b.publicKey, c.publicKey)).not.toBe(ab)
  })
})
