import { afterEach } from 'vitest'
import type { ChunkStore } from '../../src/files/chunk-store.ts'
import { FileTransfers, type FileTransfersOptions } from '../../src/files/file-transfers.ts'
import { webCryptoSha256, type HashHex } from '../../src/files/hashing.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { SourceFinder } from '../../src/files/ports.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub, type MemoryMesh } from '../support/memory-mesh.ts'
import { createTestIdentity } from '../support/test-identity.ts'

export interface TestDevice {
  identity: Identity
  peer: PeerId
  /** The device on the in-memory mesh; links come only from `connect`. */
  mesh: MemoryMesh
  store: ChunkStore
  files: FileTransfers
}

export const sha256 = webCryptoSha256()
export const quiet = (): void => {}

/** Where devices made without a hub of their own meet. */
const sharedHub = new MemoryMeshHub({ dial: false })

export async function testDevice(
  options: Partial<Omit<FileTransfersOptions, 'mesh' | 'sha256'>> & { hub?: MemoryMeshHub } = {},
): Promise<TestDevice> {
  const { hub = sharedHub, ...rest } = options
  const identity = await createTestIdentity()
  const mesh = hub.add(identity.peerId)
  const store = rest.store ?? createMemoryChunkStore()
  const files = new FileTransfers({ mesh, sha256, log: quiet, ...rest, store })
  return { identity, peer: identity.peerId, mesh, store, files }
}

/**
 * Links two devices of one hub, whatever their groups say (a link another part of the device
 * keeps, e.g. to a direct contact who is no member of the workplace).
 */
export function connect(a: TestDevice, b: TestDevice): Promise<void> {
  if (a.mesh.hub !== b.mesh.hub) throw new Error('the devices are on different hubs')
  a.mesh.hub.link(a.peer, b.peer, { force: true })
  return Promise.resolve()
}

export function disconnect(a: TestDevice, b: TestDevice): void {
  a.mesh.hub.unlink(a.peer, b.peer)
}

/** Takes the device off its hub: its links drop. */
export function unplug(device: TestDevice): void {
  device.mesh.hub.remove(device.peer)
}

/** The devices a test file keeps here: after each test, each is closed and unplugged. */
export function trackedDevices(): TestDevice[] {
  const devices: TestDevice[] = []
  afterEach(() => {
    for (const device of devices.splice(0)) {
      device.files.close()
      unplug(device)
    }
  })
  return devices
}

/** A finder with a fixed, changeable candidate list. */
export class ListFinder implements SourceFinder {
  #peers: PeerId[]
  readonly #handlers = new Set<() => void>()

  constructor(peers: PeerId[]) {
    this.#peers = peers
  }

  candidates(): readonly PeerId[] {
    return this.#peers
  }

  set(peers: PeerId[]): void {
    this.#peers = peers
    for (const handler of this.#handlers) handler()
  }

  onChange(handler: () => void): () => void {
    this.#handlers.add(handler)
    return () => this.#handlers.delete(handler)
  }
}

/** Deterministic pseudo-random bytes, so content differs chunk to chunk. */
export function randomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export async function readAll(files: FileTransfers, fileId: HashHex): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of files.read(fileId)) parts.push(part)
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer())
}

/** A store that serves flipped bytes for every chunk, as a faulty or hostile holder would. */
export function corruptingStore(inner: ChunkStore): ChunkStore {
  return {
    ...inner,
    getChunk: async (hash) => {
      const bytes = await inner.getChunk(hash)
      if (bytes && bytes.length > 0) bytes[0] = bytes[0]! ^ 0xff
      return bytes
    },
  }
}

/** A store whose chunk reads take `ms`, so a transfer lasts long enough to be cut. */
export function slowStore(inner: ChunkStore, ms: number): ChunkStore {
  return {
    ...inner,
    getChunk: async (hash) => {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return inner.getChunk(hash)
    },
  }
}

/** Open-to-everyone access, for tests that are not about access. */
export const openAccess = { mayFetch: () => null }
