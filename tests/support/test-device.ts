import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import {
  decodeWorkplaceLink,
  encodeWorkplaceLink,
  type WorkplaceLink,
} from '../../src/crdt/workplace/invite-link.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { PeerGate } from '../../src/crdt/sync/syncer-first.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { MemoryMeshHub, MemoryMesh } from './memory-mesh.ts'
import { createTestIdentity } from './test-identity.ts'

/** A device on the in-memory mesh with the full workplace layer (no browser, no WebRTC). */
export interface TestDevice {
  name: string
  identity: Identity
  port: MemoryMesh
  stack: WorkplaceStack
}

export async function createTestDevice(
  hub: MemoryMeshHub,
  name: string,
  options: {
    kinds?: ReadonlyMap<string, () => unknown>
    /** Builds the device's gate (the stack is there by the time the gate is asked). */
    gate?: (self: PeerId, stack: () => WorkplaceStack) => PeerGate
  } = {},
): Promise<TestDevice> {
  const identity = await createTestIdentity()
  const port = hub.add(identity.peerId)
  const built: { stack?: WorkplaceStack } = {}
  const gate = options.gate?.(identity.peerId, () => built.stack!)
  const stack = createWorkplaceStack({
    identity,
    mesh: port,
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    ...(options.kinds ? { kinds: options.kinds } : {}),
    ...(gate ? { gate } : {}),
  })
  built.stack = stack
  port.authorize = (peer) => stack.workplaces.authorizeLink(peer)
  return { name, identity, port, stack }
}

/** A workplace link as a newcomer would decode it: with an invite it admits, else it asks. */
export function linkTo(wp: Workplace, invite?: SignedRecord): WorkplaceLink {
  const url = encodeWorkplaceLink('https://peerplace.test/', {
    workplace: wp.id,
    name: wp.name,
    peers: wp
      .members()
      .filter((m) => m.role === 'owner')
      .map((m) => m.peer),
    endpoints: ['wss://peerplace.test/relay'],
    ...(invite ? { invite } : {}),
  })
  return decodeWorkplaceLink(url)
}
