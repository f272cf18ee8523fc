import { Repo, type PeerId as RepoPeerId } from '@automerge/automerge-repo'
import { MeshNetworkAdapter, type AccessPolicy } from '../../src/crdt/repo/mesh-network-adapter.ts'
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
  const repo = new Repo({
    peerId: self as unknown as RepoPeerId,
    network: [network],
    enableRemoteHeadsGossiping: false,
    shareConfig: {
      announce: async (peer, doc) =>
        doc
          ? policy.mayExchange(peer as unknown as PeerId, doc)
          : policy.mayPeer(peer as unknown as PeerId),
      access: async (peer, doc) => policy.mayExchange(peer as unknown as PeerId, doc),
    },
  })
  return { repo, network }
}
