import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { createMemoryRecordStore } from '../../../src/crdt/membership/record-store.ts'
import { decodeWorkplaceLink } from '../../../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../../../src/crdt/workplace/workplace.ts'
import { createMemoryWorkplaceList } from '../../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../../src/peer/identity/identity.ts'
import { createLink } from '../../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../../src/peer/mesh/mesh.ts'
import { createMeshPort } from '../../../src/peer/mesh/mesh-port-adapter.ts'
import { createCarrierSignaling } from '../../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier } from '../../../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../../support/test-identity.ts'
import { until } from '../../support/until.ts'

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

/**
 * Starts a device against the app's relay at `baseUrl`. `kinds` are the workplace documents it
 * can open besides the root (as the app's own list: chat, contacts…); none by default.
 */
export async function startNodeDevice(
  baseUrl: string,
  name: string,
  identity?: Identity,
  kinds?: ReadonlyMap<string, () => unknown>,
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
    mesh: createMeshPort({ mesh }),
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    ...(kinds ? { kinds } : {}),
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

/** Joins the workplace of an invite link as a browser would; fails after `timeoutMs`. */
export async function joinByInvite(
  device: NodeDevice,
  invite: string,
  timeoutMs = 20_000,
): Promise<Workplace> {
  const link = decodeWorkplaceLink(invite)
  device.stack.joins.start(link)
  return until(
    () => device.stack.workplaces.get(link.workplace),
    `the Node device to join ${link.name}`,
    timeoutMs,
  )
}
