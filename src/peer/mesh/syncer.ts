import type { PeerId } from '../ids.ts'
import type { Presence } from './presence.ts'
import type { PresencePort } from './presence-port.ts'

/**
 * The Syncer of a group: the online member with the lowest peer ID, self included (`online`
 * always holds at least self). It changes when the current one goes offline or a lower ID comes
 * online; since every member computes it from its presence view, all agree once their views do.
 */
export function electSyncer(self: PeerId, online: readonly PeerId[]): PeerId {
  let lowest = self
  for (const peer of online) if (peer < lowest) lowest = peer
  return lowest
}

/** Presence as the workplace layer reads it: who is online in a group, and its Syncer. */
export function syncerPresence(presence: Presence): PresencePort {
  return {
    online: (group) => presence.online(group),
    syncer: (group) => electSyncer(presence.self, presence.online(group)),
    onChange: (handler) => presence.on('change', ({ groupId }) => handler(groupId)),
  }
}
