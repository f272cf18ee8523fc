import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { PeerGate } from '../sync/syncer-first.ts'

/**
 * The members of workplaces whose root is still loading, as the signed log kept on this device
 * names them. A member may link while its workplace's root loads (a returning device links
 * first, see memberLinked); until the root is open, which documents the member may sync is not
 * known, so what it sends is held (MeshNetworkAdapter queues a held peer's messages) and handed
 * to the repo once the workplace is open, rather than refused and asked for again.
 */
export class LoadingMembers extends Emitter<{ change: void }> implements PeerGate {
  /** Per workplace loading: its members, or `undefined` while its signed log is still read. */
  readonly #loading = new Map<string, ReadonlySet<PeerId> | undefined>()

  /**
   * `workplace` is loading; `members` (this device excluded) may link meanwhile. Without
   * `members` its log is still being read and who its members are is not known: every peer is
   * held meanwhile (a member that links that early had its first sync refused otherwise, and
   * asked for again a second later).
   */
  loading(workplace: string, members?: Iterable<PeerId>): void {
    this.#loading.set(workplace, members && new Set(members))
    this.emit('change', undefined)
  }

  /** The workplace is open (or failed to open): its members are judged by the workplace now. */
  loaded(workplace: string): void {
    if (this.#loading.delete(workplace)) this.emit('change', undefined)
  }

  held(peer: PeerId): boolean {
    for (const members of this.#loading.values()) if (!members || members.has(peer)) return true
    return false
  }

  onChange(listener: () => void): () => void {
    return this.on('change', listener)
  }
}

/** Holds a peer while any of `gates` holds it. */
export function eitherGate(...gates: (PeerGate | undefined)[]): PeerGate {
  const present = gates.filter((gate) => gate !== undefined)
  return {
    held: (peer) => present.some((gate) => gate.held(peer)),
    onChange: (listener) => {
      const offs = present.map((gate) => gate.onChange(listener))
      return () => {
        for (const off of offs) off()
      }
    },
  }
}
