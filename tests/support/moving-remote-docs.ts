import type { RemoteDocs } from '../../src/crdt/sync/workplace-sync.ts'

/** A document ID as automerge-repo makes them (base58). */
export const MOVING_DOC = '4NMNnkMhL8jXrdJ9jamS58PAVdXu'

/** A 64-hex head standing for version `v` of the document. */
export function versionHead(v: number): string {
  return v.toString(16).padStart(64, '0')
}

/**
 * Documents held elsewhere (in a documents worker, as WorkplaceSync sees them): one document
 * whose heads stand for a version that `change()` moves on, telling every listener.
 */
export function movingRemoteDocs(): { remote: RemoteDocs; change(): void; version(): number } {
  let version = 0
  const listeners = new Set<(headsChanged: boolean) => void>()
  return {
    remote: {
      heads: () => ({ [MOVING_DOC]: [versionHead(version)] }),
      waiting: () => 0,
      onChange: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      confirm: () => {},
    },
    change() {
      version++
      for (const listener of listeners) listener(true)
    },
    version: () => version,
  }
}
