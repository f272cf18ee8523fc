import { createMeshPort } from '../../src/peer/mesh/mesh-port-adapter.ts'
import { describeMeshPortContract, type MeshPortNode } from '../contract/mesh-port-contract.ts'
import { until } from '../contract/fixtures.ts'
import { createMeshNetwork, GROUP } from '../support/fake-mesh-network.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestIdentity } from '../support/test-identity.ts'

const linkedToAll = (nodes: MeshPortNode[]) =>
  nodes.every((n) => n.port.presence.linkedPeers().length === nodes.length - 1)

describeMeshPortContract('the real mesh over in-memory pipes', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  const ports: ReturnType<typeof createMeshPort>[] = []
  return {
    group: GROUP,
    async create(count) {
      const net = await createMeshNetwork(count, {
        presence: { digestIntervalMs: 100 },
      })
      network = net
      const nodes = net.peers.map((peer) => {
        const port = createMeshPort({
          mesh: peer.mesh,
          presence: peer.presence!,
          topics: peer.signaling,
          log: () => {},
        })
        ports.push(port)
        return { id: peer.id, port }
      })
      await until(() => linkedToAll(nodes), 'a full mesh')
      return nodes
    },
    async vanish(node) {
      const peer = network!.peers.find((p) => p.id === node.id)!
      peer.presence?.close()
      network!.crash(peer)
      return Promise.resolve()
    },
    async teardown() {
      for (const port of ports.splice(0)) port.close()
      for (const peer of network?.peers ?? []) peer.presence?.close()
      network?.close()
      return Promise.resolve()
    },
  }
})

describeMeshPortContract('the in-memory fake (tests/support/memory-mesh.ts)', () => {
  const hub = new MemoryMeshHub()
  const group = 'contract-group'
  return {
    group,
    async create(count) {
      const identities = await Promise.all(Array.from({ length: count }, createTestIdentity))
      const ids = identities.map((i) => i.peerId).sort()
      const nodes = ids.map((id) => ({ id, port: hub.add(id) }))
      for (const node of nodes) node.port.setGroup(group, ids)
      await until(() => linkedToAll(nodes), 'a full mesh')
      return nodes
    },
    vanish(node) {
      hub.remove(node.id)
      return Promise.resolve()
    },
    teardown() {
      for (const id of [...hub.meshes.keys()]) hub.remove(id)
      return Promise.resolve()
    },
  }
})
