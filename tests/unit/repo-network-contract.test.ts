/**
 * The automerge-repo network contract (mirroring automerge-repo's own acceptance suite, see
 * tests/contract/repo-network-contract.ts) run against the app's adapter over the mesh, with
 * every access allowed: access checks have their own tests (sync-access, workplace-docs).
 */
import type { PeerId as RepoPeerId } from '@automerge/automerge-repo'
import { MeshNetworkAdapter } from '../../src/crdt/repo/mesh-network-adapter.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { describeRepoNetworkContract } from '../contract/repo-network-contract.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'

const OPEN = { mayExchange: () => true, mayPeer: () => true }
const ids = ['AAAA', 'BBBB', 'CCCC'] as PeerId[]
const asMesh = (id: RepoPeerId) => id as unknown as PeerId

describeRepoNetworkContract('the mesh adapter over the in-memory mesh', async () => {
  const hub = new MemoryMeshHub({ dial: false })
  const adapters = ids.map((id) => new MeshNetworkAdapter(hub.add(id), OPEN))
  for (const [a, b] of [
    [0, 1],
    [1, 2],
    [0, 2],
  ] as const)
    hub.link(ids[a]!, ids[b]!)
  const peers = ids.map((id, i) => ({ id: id as unknown as RepoPeerId, adapter: adapters[i]! }))
  return {
    peers: peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]],
    cut: (a, b) => hub.unlink(asMesh(a), asMesh(b)),
    mend: (a, b) => hub.link(asMesh(a), asMesh(b)),
    close: () => {
      for (const id of ids) hub.remove(id)
    },
  }
})
