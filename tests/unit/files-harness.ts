import type { ChunkStore } from '../../src/files/chunk-store.ts'
import { FileTransfers, type FileTransfersOptions } from '../../src/files/file-transfers.ts'
import { webCryptoSha256, type HashHex } from '../../src/files/hashing.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { FilePeers, SourceFinder } from '../../src/files/ports.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import type { Link } from '../../src/peer/link/link.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { createTestIdentity } from '../support/test-identity.ts'

/** The links of one device, as the mesh would hand them to file transfers. */
export class TestPeers implements FilePeers {
  readonly self: PeerId
  readonly links = new Map<PeerId, AuthenticatedLink>()
  readonly #handlers = new Set<(change: { peer: PeerId; up: boolean }) => void>()

  constructor(self: PeerId) {
    this.self = self
  }

  linkTo(peer: PeerId): Link | undefined {
    return this.links.get(peer)
  }

  linkedPeers(): readonly PeerId[] {
    return [...this.links.keys()]
  }

  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void {
    this.#handlers.add(handler)
    return () => this.#handlers.delete(handler)
  }

  adopt(link: AuthenticatedLink): void {
    const peer = link.remote
    this.links.set(peer, link)
    link.on('close', () => {
      if (this.links.get(peer) !== link) return
      this.links.delete(peer)
      for (const handler of [...this.#handlers]) handler({ peer, up: false })
    })
    for (const handler of [...this.#handlers]) handler({ peer, up: true })
  }
}

export interface TestDevice {
  identity: Identity
  peer: PeerId
  peers: TestPeers
  store: ChunkStore
  files: FileTransfers
}

export const sha256 = webCryptoSha256()
export const quiet = (): void => {}

export async function testDevice(
  options: Partial<Omit<FileTransfersOptions, 'peers' | 'sha256'>> = {},
): Promise<TestDevice> {
  const identity = await createTestIdentity()
  const peers = new TestPeers(identity.peerId)
  const store = options.store ?? createMemoryChunkStore()
  const files = new FileTransfers({ peers, sha256, log: quiet, ...options, store })
  return { identity, peer: identity.peerId, peers, store, files }
}

/**
 * Links two devices with authenticated links (with a bulk channel) over in-memory pipes, or
 * over the pipes `pipes` makes (real WebRTC in the Node tests).
 */
export async function connect(
  a: TestDevice,
  b: TestDevice,
  pipes: [DataPipe, DataPipe] = createMemoryPipePair(),
): Promise<void> {
  const options = { log: quiet, heartbeatIntervalMs: 200, offlineAfterMs: 5000 }
  const [la, lb] = await Promise.all([
    createLink({ pipe: pipes[0], identity: a.identity, options }),
    createLink({ pipe: pipes[1], identity: b.identity, options }),
  ])
  a.peers.adopt(la)
  b.peers.adopt(lb)
}

export function disconnect(a: TestDevice, b: TestDevice): void {
  a.peers.links.get(b.peer)?.close('test disconnect')
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
