import type { PeerId } from '../../src/peer/ids.ts'
import type { MeshEvents } from '../../src/peer/mesh/mesh.ts'
import type { GroupId } from '../../src/peer/mesh/mesh-protocol.ts'
import { ResumableMesh } from '../../src/peer/mesh/resumable-mesh.ts'
import type { MeshMessage, MeshMessageHandler } from '../../src/peer/mesh/router.ts'

/**
 * A mesh with no network (a ResumableMesh never run) that records broadcasts and lets a test
 * deliver messages, set the linked peers and fire mesh events by hand.
 */
export class FakePresenceMesh extends ResumableMesh {
  readonly sent: { groupId: GroupId; channel: string; data: Uint8Array }[] = []
  readonly #handlers = new Map<string, Set<MeshMessageHandler>>()
  linked: PeerId[] = []

  override linkedPeers(): readonly PeerId[] {
    return this.linked
  }

  override broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean {
    this.sent.push({ groupId, channel, data })
    return true
  }

  override onMessage(channel: string, handler: MeshMessageHandler): () => void {
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
