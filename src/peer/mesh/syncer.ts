import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../ids.ts'
import type { GroupId } from './mesh-protocol.ts'
import type { Presence } from './presence.ts'

export interface SyncerEvents extends Record<string, unknown> {
  change: { syncer: PeerId; previous: PeerId }
}

/**
 * The Syncer of one group: the online member with the lowest peer ID, self included. It
 * changes when the current one goes offline or a lower ID comes online; since every member
 * computes it from its presence view, all agree once their views do.
 */
export interface Syncer extends Pick<Emitter<SyncerEvents>, 'on' | 'off'> {
  readonly groupId: GroupId
  readonly current: PeerId
  /** Whether this peer is the Syncer. */
  readonly isSelf: boolean
  close(): void
}

export function createSyncer(args: { presence: Presence; groupId: GroupId }): Syncer {
  return new LowestIdSyncer(args.presence, args.groupId)
}

/** The rule, on its own: the lowest online ID. `online` always holds at least self. */
export function electSyncer(self: PeerId, online: readonly PeerId[]): PeerId {
  let lowest = self
  for (const peer of online) if (peer < lowest) lowest = peer
  return lowest
}

class LowestIdSyncer extends Emitter<SyncerEvents> implements Syncer {
  readonly groupId: GroupId
  readonly #self: PeerId
  readonly #unsubscribe: () => void
  #current: PeerId

  constructor(presence: Presence, groupId: GroupId) {
    super()
    this.groupId = groupId
    this.#self = presence.self
    this.#current = electSyncer(this.#self, presence.online(groupId))
    this.#unsubscribe = presence.on('change', (change) => {
      if (change.groupId !== groupId) return
      const next = electSyncer(this.#self, change.online)
      if (next === this.#current) return
      const previous = this.#current
      this.#current = next
      this.emit('change', { syncer: next, previous })
    })
  }

  get current(): PeerId {
    return this.#current
  }

  get isSelf(): boolean {
    return this.#current === this.#self
  }

  close(): void {
    this.#unsubscribe()
    this.removeAllListeners()
  }
}
