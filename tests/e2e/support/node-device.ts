import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { createMemoryRecordStore } from '../../../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../../src/peer/identity/identity.ts'
import { createLink } from '../../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../../src/peer/mesh/mesh.ts'
import { createCarrierSignaling } from '../../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier } from '../../../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../../support/test-identity.ts'

/**
 * A device that runs in the test process (Node, @roamhq/wrtc) with Peerplace's own peer and
 * document layers, so a test can make it misbehave in ways the app's UI never would.
 */
export interface NodeDevice {
  identity: Identity
  mesh: Mesh
  stack: WorkplaceStack
  close(): Promise<void>
}

export async function startNodeDevice(
  baseUrl: string,
  name: string,
  identity?: Identity,
): Promise<NodeDevice> {
  const id = identity ?? (await createTestIdentity())
  const url = new URL('/relay', baseUrl)
  url.protocol = 'ws:'
  const relay = createRelayCarrier({ url: url.href, identity: id, WebSocket })
  const quiet = () => undefined
  const options = { self: id.peerId, iceServers: [], wrtc, log: quiet }
  const mesh = createMesh({
    identity: id,
    signaling: createCarrierSignaling(relay, options),
    createLink: (args) => createLink({ ...args, options: { log: quiet } }),
    createMeshSignaling: (carrier) => createCarrierSignaling(carrier, options),
    options: { log: quiet },
  })
  const stack = createWorkplaceStack({
    identity: id,
    mesh,
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
  })
  return {
    identity: id,
    mesh,
    stack,
    async close() {
      await stack.shutdown()
      mesh.close()
      relay.close()
    },
  }
}
