/** Where the heads other members were last known to hold survive a reload. */
export interface ConfirmedHeadsStore {
  load(workplace: string): Record<string, string[]>
  save(workplace: string, heads: Record<string, string[]>): void
}

export function createMemoryConfirmedHeadsStore(): ConfirmedHeadsStore {
  const data = new Map<string, Record<string, string[]>>()
  return {
    load: (workplace) => structuredClone(data.get(workplace) ?? {}),
    save: (workplace, heads) => void data.set(workplace, structuredClone(heads)),
  }
}

/** Keeps confirmed heads in localStorage: small, synchronous, per browser profile. */
export function createLocalConfirmedHeadsStore(storage: Storage): ConfirmedHeadsStore {
  const key = (workplace: string) => `peerplace.confirmed-heads.${workplace}`
  return {
    load(workplace) {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key(workplace)) ?? '{}')
        return typeof parsed === 'object' && parsed !== null
          ? (parsed as Record<string, string[]>)
          : {}
      } catch {
        return {}
      }
    },
    save: (workplace, heads) => storage.setItem(key(workplace), JSON.stringify(heads)),
  }
}
