import {
  Repo,
  type NetworkAdapterInterface,
  type PeerId as RepoPeerId,
  type StorageAdapterInterface,
} from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { AccessPolicy } from './mesh-network-adapter.ts'

/**
 * An automerge-repo that announces and hands out a document only to peers `policy` lets
 * exchange it (the network adapter checks every message again both ways).
 */
export function createMeshRepo(options: {
  self: PeerId
  network: NetworkAdapterInterface
  policy: AccessPolicy
  storage?: StorageAdapterInterface
}): Repo {
  const { policy } = options
  return new Repo({
    peerId: options.self as unknown as RepoPeerId,
    network: [options.network],
    ...(options.storage ? { storage: options.storage } : {}),
    enableRemoteHeadsGossiping: false,
    shareConfig: {
      announce: async (peer, doc) =>
        doc
          ? policy.mayExchange(peer as unknown as PeerId, doc)
          : policy.mayPeer(peer as unknown as PeerId),
      access: async (peer, doc) => policy.mayExchange(peer as unknown as PeerId, doc),
    },
  })
}
