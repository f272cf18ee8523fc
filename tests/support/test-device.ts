import { afterEach } from 'vitest'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import {
  decodeWorkplaceLink,
  encodeWorkplaceLink,
  type WorkplaceLink,
} from '../../src/crdt/workplace/invite-link.ts'
import {
  createMemoryWorkplaceList,
  type WorkplaceList,
} from '../../src/crdt/workplace/workplace-list.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { PeerGate } from '../../src/crdt/sync/syncer-first.ts'
import type { EarlyJoins } from '../../src/crdt/workplace/early-invite.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub, type MemoryMesh } from './memory-mesh.ts'
import { until } from './until.ts'
import { createTestIdentity } from './test-identity.ts'
import { MemoryStorageAdapter } from './memory-storage-adapter.ts'
import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import { SealedStorageAdapter } from '../../src/vault/sealed-storage-adapter.ts'
import { sealedWorkerStorage } from '../../src/vault/sealed-worker-storage.ts'
import type { Vault } from '../../src/vault/vault.ts'
import { runChatWorker } from '../../src/crdt/documents-worker/documents-worker-core.ts'
import type { HistoryDelays } from '../../src/crdt/chat/shard-history.ts'
import type { WorkerExtension } from '../../src/crdt/documents-worker/worker-extension.ts'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'

/** A documents worker in this thread, on the far end of a MessageChannel (as a Worker would be). */
/**
 * When test chats read a shard's history: soon after it shows instead of after seconds, as
 * the tests wait for what the history finds, not for the delay.
 */
export const TEST_HISTORY_DELAYS: HistoryDelays = { originsMs: 20, sweepMs: 50 }

export function startChatWorker(
  index: { shardLimit?: number } = {},
  /** The worker's storage (unsealed: it seals with the lent key); else its own, in memory. */
  storage: StorageAdapterInterface = new MemoryStorageAdapter(),
  /** Features of the layers above run there too (the file index). */
  extensions: readonly WorkerExtension[] = [],
): WorkerPort<FromDocumentsWorker, ToDocumentsWorker> {
  const channel = new MessageChannel()
  runChatWorker(channel.port2 as unknown as WorkerPort<ToDocumentsWorker, FromDocumentsWorker>, {
    storage: () => sealedWorkerStorage(storage),
    receiptDelayMs: 5,
    receiptIntervalMs: 5,
    historyDelays: TEST_HISTORY_DELAYS,
    index,
    extensions,
  })
  channel.port1.start()
  channel.port2.start()
  // Node keeps a started port's process alive; the test's device is closed by shutdown anyway.
  ;(channel.port1 as unknown as { unref?: () => void }).unref?.()
  ;(channel.port2 as unknown as { unref?: () => void }).unref?.()
  return channel.port1 as unknown as WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
}

/** A device on the in-memory mesh with the full workplace layer (no browser, no WebRTC). */
export interface TestDevice {
  name: string
  identity: Identity
  port: MemoryMesh
  stack: WorkplaceStack
}

type TestDeviceOptions = Parameters<typeof createTestDevice>[2]

export async function createTestDevice(
  hub: MemoryMeshHub,
  name: string,
  options: {
    kinds?: ReadonlyMap<string, () => unknown>
    /** Builds the device's gate (the stack is there by the time the gate is asked). */
    gate?: (self: PeerId, stack: () => WorkplaceStack) => PeerGate
    /**
     * Runs the chat in a chat worker (this one, or one on a MessageChannel sharing the page's
     * in-memory storage, as a browser's worker shares its IndexedDB).
     */
    documentsWorker?: boolean | WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
    /** The page's storage, unsealed (with a documents worker; else one in memory). */
    storage?: StorageAdapterInterface
    /** The at-rest key: the page's storage is sealed with it, and it is lent to the worker. */
    vault?: Vault
    /** A device already on the mesh (its page linked before the document layer loaded). */
    peer?: { identity: Identity; port: MemoryMesh }
    /** What that page's invite got before the stack existed (see EarlyInvite). */
    earlyJoins?: EarlyJoins
    /** The index of workplaces (else an in-memory one). */
    list?: WorkplaceList
    /** How long a workplace admitted into waits for its root (else the app's default). */
    rootWaitMs?: number
  } = {},
): Promise<TestDevice> {
  const identity = options.peer?.identity ?? (await createTestIdentity())
  const port = options.peer?.port ?? hub.add(identity.peerId)
  const built: { stack?: WorkplaceStack } = {}
  const inner = options.storage ?? new MemoryStorageAdapter()
  const gate = options.gate?.(identity.peerId, () => built.stack!)
  const stack = createWorkplaceStack({
    identity,
    mesh: port,
    list: options.list ?? createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    ...(options.kinds ? { kinds: options.kinds } : {}),
    ...(gate ? { gate } : {}),
    ...(options.earlyJoins ? { earlyJoins: options.earlyJoins } : {}),
    ...(options.rootWaitMs ? { rootWaitMs: options.rootWaitMs } : {}),
    ...(options.documentsWorker
      ? {
          storage: options.vault ? new SealedStorageAdapter(inner, options.vault) : inner,
          documentsWorker:
            options.documentsWorker === true ? startChatWorker({}, inner) : options.documentsWorker,
          ...(options.vault ? { vault: options.vault } : {}),
        }
      : {}),
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

/**
 * Test devices for one test file: each made by `device` is shut down after its test, after
 * whatever the test added to `cleanup` since (all in reverse order of adding).
 */
export function testDevices(): {
  cleanup: (() => unknown)[]
  device: (hub: MemoryMeshHub, name: string) => Promise<TestDevice>
} {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })
  return {
    cleanup,
    async device(hub, name) {
      const created = await createTestDevice(hub, name)
      cleanup.push(() => created.stack.shutdown())
      return created
    },
  }
}

/**
 * Ann, who made the workplace Acme, and Bob, who joined it by invite, linked over `hub`; both
 * shut down by `cleanup`. Generous deadlines: on a starved machine (a full run beside other
 * work) a join took over 5 s.
 */
export async function annAndBobInAcme(
  cleanup: (() => unknown)[],
  /** Each device's options (createTestDevice's), say a documents worker. */
  options: { ann?: TestDeviceOptions; bob?: TestDeviceOptions } = {},
) {
  const hub = new MemoryMeshHub()
  const [ann, bob] = await Promise.all([
    createTestDevice(hub, 'Ann', options.ann),
    createTestDevice(hub, 'Bob', options.bob),
  ])
  cleanup.push(
    () => ann!.stack.shutdown(),
    () => bob!.stack.shutdown(),
  )
  const acme = await ann!.stack.workplaces.create('Acme')
  bob!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 })))
  const bobAcme = await until(() => bob!.stack.workplaces.get(acme.id), 'Bob to join', 20_000)
  await until(() => hub.linkOf(ann!.identity.peerId, bob!.identity.peerId), 'a link', 20_000)
  return { hub, ann: ann!, bob: bob!, acme, bobAcme }
}
