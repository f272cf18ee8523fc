/**
 * A test page for file transfers in a real browser: a device (identity kept in IndexedDB, so
 * a reopened page is the same device), the relay, a mesh of real WebRTC links, and the file
 * engine on IndexedDB. Driven by tests/e2e/files-*.spec.ts and bench/files.bench.ts through
 * `window.filesDriver`. Also a raw RTCDataChannel pair, the baseline of the benchmark.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { FileTransfers } from '../../src/files/file-transfers.ts'
import { toHex, webCryptoSha256, type HashHex } from '../../src/files/hashing.ts'
import { createIdbChunkStore } from '../../src/files/idb-chunk-store.ts'
import type { SourceFinder } from '../../src/files/ports.ts'
import { saveAsBlob } from '../../src/files/save-file.ts'
import { createIdbKeyStore } from '../../src/peer/identity/idb-key-store.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../src/peer/mesh/mesh.ts'
import { createMeshPort } from '../../src/peer/mesh/mesh-port-adapter.ts'
import type { GroupId } from '../../src/peer/mesh/mesh-protocol.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import { RawChannel } from './files-raw-channel.ts'
import type { createWorkplaceDriver } from './files-workplace-page.ts'

const GROUP = 'files-e2e' as GroupId
const SCOPE = 'files-e2e'

let mesh: Mesh | undefined
let self: Identity | undefined
let workplace: ReturnType<typeof createWorkplaceDriver> | undefined
let relayState = (): string => 'not started'
/** The mesh's log lines, for a test to print when links do not come. */
const logs: string[] = []
let files: FileTransfers | undefined
const holders = new Map<string, { peers: PeerId[]; handlers: Set<() => void> }>()
const raw = new RawChannel()
const timings = new Map<string, { startedAt: number; doneAt: number }>()

function engine(): FileTransfers {
  if (!files) throw new Error('call start() first')
  return files
}

function finderOf(fileId: string): SourceFinder {
  let entry = holders.get(fileId)
  if (!entry) holders.set(fileId, (entry = { peers: [], handlers: new Set() }))
  const e = entry
  return {
    candidates: () => e.peers,
    onChange: (handler) => {
      e.handlers.add(handler)
      return () => e.handlers.delete(handler)
    },
  }
}

/** Deterministic content: a pseudo-random block, stamped per MiB so no two chunks match. */
function generatedPart(index: number, seed: number, size: number): Uint8Array {
  const part = new Uint8Array(size)
  let x = (seed * 2654435761) ^ (index + 1)
  const words = new Uint32Array(part.buffer, 0, size >> 2)
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  return part
}

const driver = {
  /**
   * Starts this device; `chunkSize` sets the size files added here are cut into; `rtc` the
   * ICE configuration of its connections and of the raw baseline (none by default).
   */
  async start(
    relayUrl: string,
    chunkSize?: number,
    rtc?: { iceServers: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy },
  ): Promise<string> {
    const identity = await loadOrCreateIdentity(await createIdbKeyStore({ dbName: 'files-e2e-id' }))
    self = identity
    const carrier = createRelayCarrier({ url: relayUrl, identity })
    const ice = rtc ?? { iceServers: [] }
    raw.config = ice
    const options = { self: identity.peerId, iceServers: ice.iceServers, rtcConfig: () => ice }
    mesh = createMesh({
      identity,
      signaling: createCarrierSignaling(carrier, options),
      createLink,
      createMeshSignaling: (meshCarrier) => createCarrierSignaling(meshCarrier, options),
      options: { log: (line) => logs.push(line) },
    })
    // The relay carries signals between peers that share a topic.
    mesh.join(asTopic(GROUP))
    relayState = () => carrier.state
    files = new FileTransfers({
      mesh: createMeshPort({ mesh }),
      store: await createIdbChunkStore({ dbName: 'files-e2e' }),
      sha256: webCryptoSha256(),
      ...(chunkSize ? { chunkSize } : {}),
    })
    files.serveScope(SCOPE, { mayFetch: () => null })
    return identity.peerId
  },
  /** The local candidate type of the link to `peer` ('relay' through TURN), or null. */
  linkCandidateType: async (peer: string) =>
    (await mesh?.linkTo(peer as PeerId)?.stats())?.localCandidateType ?? null,
  group: (peers: string[]) => mesh!.setGroup(GROUP, peers as PeerId[]),
  linked: (): string[] => [...(mesh?.linkedPeers() ?? [])],
  diagnostics: () => ({ relay: relayState(), logs: logs.slice(-20) }),
  /**
   * Adds a generated file of `size` bytes; returns its ID, the SHA-256 of its bytes and how
   * long adding took (cutting, hashing and storing the chunks).
   */
  async generate(
    size: number,
    seed: number,
  ): Promise<{ fileId: string; sha256: string; addMs: number }> {
    const hash = nobleSha256.create()
    const parts: Blob[] = []
    const partSize = 1024 * 1024
    for (let offset = 0, i = 0; offset < size; offset += partSize, i++) {
      const part = generatedPart(i, seed, Math.min(partSize, size - offset))
      hash.update(part)
      parts.push(new Blob([part as BlobPart]))
    }
    const startedAt = performance.now()
    const { fileId } = await engine().add(new Blob(parts))
    const addMs = performance.now() - startedAt
    return { fileId, sha256: toHex(hash.digest()), addMs }
  },
  /** Starts a download from `peers`; calling again changes the holders it may use. */
  download(fileId: string, peers: readonly string[]): void {
    finderOf(fileId)
    const entry = holders.get(fileId)!
    entry.peers = [...peers] as PeerId[]
    for (const handler of entry.handlers) handler()
    const download = engine().download(fileId as HashHex, SCOPE, finderOf(fileId))
    if (!timings.has(fileId)) {
      const timing = { startedAt: performance.now(), doneAt: 0 }
      timings.set(fileId, timing)
      void download.done.then(
        () => (timing.doneAt = performance.now()),
        () => {},
      )
    }
  },
  /** When the first download() call of the file started it and when it completed (ms). */
  timing: (fileId: string) => timings.get(fileId) ?? null,
  progress: (fileId: string) =>
    engine()
      .downloadOf(fileId as HashHex)
      ?.progress() ?? null,
  isComplete: (fileId: string) => engine().isComplete(fileId as HashHex),
  record: (fileId: string) => engine().record(fileId as HashHex),
  async storedSha256(fileId: string): Promise<string> {
    const hash = nobleSha256.create()
    for await (const chunk of engine().read(fileId as HashHex)) hash.update(chunk)
    return toHex(hash.digest())
  },
  save: (fileId: string, name: string) =>
    saveAsBlob(engine().read(fileId as HashHex), name, 'application/octet-stream', document),
  /** Flips a byte of every stored chunk, as a faulty disk or a hostile peer would. */
  async corruptAll(): Promise<number> {
    const request = indexedDB.open('files-e2e')
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const tx = db.transaction('chunks', 'readwrite')
    let count = 0
    await new Promise<void>((resolve, reject) => {
      const cursor = tx.objectStore('chunks').openCursor()
      cursor.onsuccess = () => {
        const c = cursor.result
        if (!c) return resolve()
        const bytes = new Uint8Array(c.value as Uint8Array)
        bytes[0] = bytes[0]! ^ 0xff
        c.update(bytes)
        count++
        c.continue()
      }
      cursor.onerror = () => reject(cursor.error)
    })
    db.close()
    return count
  },
  heapBytes: () =>
    (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ??
    0,
  raw,
  /** The workplace half (tests/harness/files-workplace-page.ts), with the files panel mounted. */
  async workplace(name: string) {
    if (!workplace) {
      const { createWorkplaceDriver } = await import('./files-workplace-page.ts')
      workplace = createWorkplaceDriver({ identity: self!, mesh: mesh!, transfers: engine(), name })
    }
    return workplace
  },
  createWorkplace: async (name: string, replicas: number, uses: number) =>
    (await driver.workplace(name)).create(replicas, uses),
  joinWorkplace: async (name: string, link: string) => (await driver.workplace(name)).join(link),
  workplaceMembers: () => workplace?.members() ?? [],
  syncer: () => workplace?.syncer() ?? '',
  leave: () => workplace?.leave() ?? mesh?.close(),
}

declare global {
  interface Window {
    filesDriver: typeof driver
  }
}

window.filesDriver = driver
