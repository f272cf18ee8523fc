/**
 * The automerge-repo network contract (mirroring automerge-repo's own acceptance suite, see
 * tests/contract/repo-network-contract.ts) run against the app's adapters: the page's over the
 * mesh, and the documents worker's through it, with every access allowed: access checks have their own tests (sync-access, workplace-docs).
 */
import type { PeerId as RepoPeerId } from '@automerge/automerge-repo'
import { PortNetworkAdapter } from '../../src/crdt/documents-worker/port-network-adapter.ts'
import { MeshNetworkAdapter } from '../../src/crdt/repo/mesh-network-adapter.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { describeRepoNetworkContract } from '../contract/repo-network-contract.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'

const OPEN = { mayExchange: () => true, mayPeer: () => true }
const ids = ['AAAA', 'BBBB', 'CCCC'] as PeerId[]
const asMesh = (id: RepoPeerId) => id as unknown as PeerId

/** Links the three devices to each other and gives the suite their adapters and the links. */
function linkedThree<A>(hub: MemoryMeshHub, adapters: A[]) {
  for (const [a, b] of [
    [0, 1],
    [1, 2],
    [0, 2],
  ] as const)
    hub.link(ids[a]!, ids[b]!)
  const peers = ids.map((id, i) => ({ id: id as unknown as RepoPeerId, adapter: adapters[i]! }))
  return {
    peers: peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]],
    cut: (a: RepoPeerId, b: RepoPeerId) => hub.unlink(asMesh(a), asMesh(b)),
    mend: (a: RepoPeerId, b: RepoPeerId) => hub.link(asMesh(a), asMesh(b)),
    close: () => {
      for (const id of ids) hub.remove(id)
    },
  }
}

describeRepoNetworkContract('the mesh adapter over the in-memory mesh', async () => {
  const hub = new MemoryMeshHub({ dial: false })
  const adapters = ids.map((id) => new MeshNetworkAdapter(hub.add(id), OPEN))
  return linkedThree(hub, adapters)
})

/**
 * The documents worker's adapter, as the documents worker host wires it: the page's mesh adapter tells
 * it of peers and hands it the messages of the documents it owns (here every document), and
 * what it sends goes back through the page's adapter; each message crosses the port (a
 * structured clone). The host attaches the worker when it starts: here, when it connects.
 */
describeRepoNetworkContract(
  'the documents worker’s port adapter over the page’s mesh adapter',
  async () => {
    const hub = new MemoryMeshHub({ dial: false })
    const workers = ids.map((id) => {
      const page = new MeshNetworkAdapter(hub.add(id), OPEN)
      page.connect(id as unknown as RepoPeerId)
      const worker = new PortNetworkAdapter((message) => page.send(structuredClone(message)))
      const connect = worker.connect.bind(worker)
      worker.connect = (peerId, metadata) => {
        connect(peerId, metadata)
        page.attachSide({
          owns: () => true,
          peerUp: (peer) => worker.peerUp(peer),
          peerDown: (peer) => worker.peerDown(peer),
          deliver: (message) => worker.receive(structuredClone(message)),
        })
      }
      return worker
    })
    return linkedThree(hub, workers)
  },
)
