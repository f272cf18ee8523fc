import type { PresencePort } from '../../src/peer/mesh/presence-port.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { FakeMeshHub } from './fake-mesh-port.ts'

/** Presence as the fake mesh sees it: self plus the group members reachable over links. */
export function createFakePresence(
  hub: FakeMeshHub,
  self: PeerId,
  members: (group: string) => readonly PeerId[],
): PresencePort & { poke(group: string): void } {
  const handlers = new Set<(group: string) => void>()
  const online = (group: string) =>
    [self, ...members(group).filter((p) => p !== self && hub.route(self, p))].sort()
  return {
    online,
    syncer: (group) => online(group)[0]!,
    onChange(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    poke(group) {
      for (const handler of handlers) handler(group)
    },
  }
}
