import { MeshNetworkAdapter, type AccessPolicy } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { createMeshRepo } from '../../src/crdt/repo/mesh-repo.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { MeshPort } from '../../src/peer/mesh/mesh-port.ts'

const OPEN: AccessPolicy = { mayExchange: () => true, mayPeer: () => true }

/**
 * A bare automerge-repo syncing over a mesh through the app's network adapter (no workplace,
 * no storage); `policy` decides access as the workplaces would (everything by default).
 * The caller shuts the repo down.
 */
export function repoOverMesh(mesh: MeshPort, self: PeerId, policy: AccessPolicy = OPEN) {
  const network = new MeshNetworkAdapter(mesh, policy)
  const repo = createMeshRepo({ self, network, policy })
  return { repo, network }
}
