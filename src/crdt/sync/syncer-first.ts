import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { PeerPresence } from '../../peer/mesh/mesh-port.ts'
import type { WorkplaceSync } from './workplace-sync.ts'

/** Holds back peers the repo should not start syncing with yet. */
export interface PeerGate {
  held(peer: PeerId): boolean
  onChange(listener: () => void): () => void
}

export interface SyncerFirstOptions {
  self: PeerId
  presence: Pick<PeerPresence, 'syncer'>
  /** The workplaces this device is a member of, with their members. */
  workplaces: () => Iterable<{ id: string; isMember(peer: PeerId): boolean }>
  /** The longest a returning device waits on the Syncer before syncing with everyone. */
  maxHoldMs?: number
}

/**
 * The returning member's half of the Syncer's duty (seed 000): a device that comes back to a
 * workplace syncs with the Syncer first; the Syncer merges and passes the changes on to the
 * others. Until this device holds what the Syncer holds (`synced`), or `maxHoldMs` after the
 * hold began, the workplace's other members are held: the repo does not start syncing with
 * them, and what they send waits (see MeshNetworkAdapter). A workplace counts as returning when
 * the app starts and whenever nobody else was online (`offline`).
 */
export class SyncerFirst extends Emitter<{ change: void }> implements PeerGate {
  readonly #o: Required<SyncerFirstOptions>
  /** Workplaces this device is up to date in since it last came back. */
  readonly #released = new Set<string>()
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(options: SyncerFirstOptions) {
    super()
    this.#o = { maxHoldMs: 3000, ...options }
  }

  held(peer: PeerId): boolean {
    for (const wp of this.#o.workplaces()) {
      if (this.#released.has(wp.id) || !wp.isMember(peer)) continue
      const syncer = this.#o.presence.syncer(wp.id)
      if (syncer === this.#o.self || syncer === peer) continue
      this.#startClock(wp.id, syncer)
      return true
    }
    return false
  }

  onChange(listener: () => void): () => void {
    return this.on('change', listener)
  }

  /** Releases the workplace when its sync status shows this device in sync, re-arms when alone. */
  follow(sync: WorkplaceSync): () => void {
    const check = () => {
      const { state } = sync.self()
      if (state === 'in-sync') this.synced(sync.workplace)
      else if (state === 'offline' || state === 'alone') this.offline(sync.workplace)
    }
    check()
    return sync.on('change', check)
  }

  /** This device holds what the workplace's Syncer holds: sync with everyone. */
  synced(workplace: string): void {
    this.#release(workplace)
  }

  /** Nobody else is online in the workplace: the next contact is a return. */
  offline(workplace: string): void {
    if (!this.#released.delete(workplace)) return
    clearTimeout(this.#timers.get(workplace))
    this.#timers.delete(workplace)
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #startClock(workplace: string, syncer: PeerId): void {
    if (this.#timers.has(workplace)) return
    console.info(`sync: ${workplace}: back online, syncing with the Syncer ${syncer} first`)
    this.#timers.set(
      workplace,
      setTimeout(() => {
        console.info(`sync: ${workplace}: the Syncer did not bring this device up to date in time`)
        this.#release(workplace)
      }, this.#o.maxHoldMs),
    )
  }

  #release(workplace: string): void {
    if (this.#timers.has(workplace)) {
      console.info(`sync: ${workplace}: released, syncing with every member`)
    }
    clearTimeout(this.#timers.get(workplace))
    this.#timers.delete(workplace)
    if (this.#released.has(workplace)) return
    this.#released.add(workplace)
    this.emit('change', undefined)
  }
}
