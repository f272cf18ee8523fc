import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { MeshEvents } from '../../src/peer/mesh/mesh.ts'
import type { GroupId } from '../../src/peer/mesh/mesh-protocol.ts'
import type { PresenceMesh } from '../../src/peer/mesh/presence.ts'
import type { MeshMessage, MeshMessageHandler } from '../../src/peer/mesh/router.ts'

/** A stand-in mesh that records broadcasts and lets a test deliver messages by hand. */
export class FakePresenceMesh extends Emitter<MeshEvents> implements PresenceMesh {
  readonly self: PeerId
  readonly sent: { groupId: GroupId; channel: string; data: Uint8Array }[] = []
  readonly #groups = new Map<GroupId, PeerId[]>()
  readonly #handlers = new Map<string, Set<MeshMessageHandler>>()
  linked: PeerId[] = []

  constructor(self: PeerId) {
    super()
    this.self = self
  }

  setGroup(groupId: GroupId, members: PeerId[]): void {
    const sorted = [...new Set([...members, this.self])].sort()
    this.#groups.set(groupId, sorted)
    this.emit('group', { groupId, members: sorted })
  }

  groups(): readonly GroupId[] {
    return [...this.#groups.keys()]
  }

  members(groupId: GroupId): readonly PeerId[] {
    return this.#groups.get(groupId) ?? []
  }

  linkedPeers(): readonly PeerId[] {
    return this.linked
  }

  broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean {
    this.sent.push({ groupId, channel, data })
    return true
  }

  onMessage(channel: string, handler: MeshMessageHandler): () => void {
    let set = this.#handlers.get(channel)
    if (!set) this.#handlers.set(channel, (set = new Set()))
    set.add(handler)
    return () => set.delete(handler)
  }

  deliver(channel: string, message: MeshMessage): void {
    for (const handler of this.#handlers.get(channel) ?? []) handler(message)
  }

  fire<K extends keyof MeshEvents>(event: K, value: MeshEvents[K]): void {
    this.emit(event, value)
  }
}
