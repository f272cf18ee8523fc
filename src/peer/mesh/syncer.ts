import type { PeerId } from '../ids.ts'
import type { Presence } from './presence.ts'
import type { PeerPresence } from './mesh-port.ts'

/**
 * The Syncer of a group: the responsive online member with the lowest peer ID, self included
 * (`online` always holds at least self). It changes when the current one goes offline or quiet
 * (see Presence.responsive) or a lower ID comes online or speaks again; since every member
 * computes it from its presence view, all agree once their views do.
 */
export function electSyncer(self: PeerId, online: readonly PeerId[]): PeerId {
  let lowest = self
  for (const peer of online) if (peer < lowest) lowest = peer
  return lowest
}

/** Who is online in a group and its Syncer: the part of the mesh port's presence view. */
export type SyncerView = Pick<PeerPresence, 'online' | 'syncer' | 'onOnlineChange'>

/** The Syncer view of presence (the mesh port's presence view uses it). */
export function syncerPresence(
  self: PeerId,
  presence: Pick<Presence, 'online' | 'responsive' | 'on'> | undefined,
): SyncerView {
  return {
    online: (group) => presence?.online(group) ?? [],
    syncer: (group) => electSyncer(self, presence?.responsive(group) ?? []),
    onOnlineChange: (handler) =>
      presence?.on('change', ({ groupId }) => handler(groupId)) ?? (() => {}),
  }
}
