/**
 * The contract of KeyStores (src/peer/identity/key-store.ts), in memory or in IndexedDB: values
 * come back as stored (copies, not the caller's objects), and setIfAbsent keeps the first value.
 */
import { describe, expect, it } from 'vitest'
import type { KeyStore } from '../../src/peer/identity/key-store.ts'

export function describeKeyStoreContract(name: string, open: () => Promise<KeyStore>): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('gives back what was set, as a copy, and nothing for an unknown name', async () => {
      const store = await open()
      expect(await store.get('identity')).toBeUndefined()
      const value = { name: 'Ann', bytes: Uint8Array.of(1, 2, 3) }
      await store.set('identity', value)
      value.name = 'changed after set'
      const read = (await store.get('identity')) as typeof value
      expect(read).toEqual({ name: 'Ann', bytes: Uint8Array.of(1, 2, 3) })
      read.name = 'changed after get'
      expect(await store.get('identity')).toEqual({ name: 'Ann', bytes: Uint8Array.of(1, 2, 3) })
      await store.set('identity', 'replaced')
      expect(await store.get('identity')).toBe('replaced')
    })

    it('keeps the first value under setIfAbsent, even when two race', async () => {
      const store = await open()
      const [first, second] = await Promise.all([
        store.setIfAbsent('device', { id: 1 }),
        store.setIfAbsent('device', { id: 2 }),
      ])
      expect(second).toEqual(first)
      expect(await store.get('device')).toEqual(first)
      expect(await store.setIfAbsent('device', { id: 3 })).toEqual(first)
      await store.set('other', 0)
      expect(await store.setIfAbsent('other', 1)).toBe(0)
    })
  })
}
