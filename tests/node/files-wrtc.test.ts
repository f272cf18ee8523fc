import { afterEach, describe, expect, it } from 'vitest'
import { FileTransfers, type FileTransfersOptions } from '../../src/files/file-transfers.ts'
import { toHex } from '../../src/files/hashing.ts'
import { DEFAULT_CHUNK_SIZE } from '../../src/files/import-blob.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../src/peer/mesh/mesh.ts'
import { createMeshPort } from '../../src/peer/mesh/mesh-port-adapter.ts'
import { FakeSignalingHub } from '../support/fake-signaling.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'
import { connectWrtcPipes } from '../support/wrtc-pipes.ts'
import {
  corruptingStore,
  ListFinder,
  openAccess,
  quiet,
  randomBytes,
  readAll,
  sha256,
} from '../unit/files-harness.ts'

// File transfers over real WebRTC data channels (@roamhq/wrtc on loopback), default chunk size,
// through the real mesh and its port.
const SCOPE = 'wrtc-files'
const signaling = new FakeSignalingHub()

interface WrtcDevice {
  peer: PeerId
  mesh: Mesh
  files: FileTransfers
}

const devices: WrtcDevice[] = []
afterEach(() => {
  for (const device of devices.splice(0)) {
    device.files.close()
    device.mesh.close()
  }
})

async function device(options: Partial<Pick<FileTransfersOptions, 'store'>> = {}) {
  const identity = await createTestIdentity()
  const mesh = createMesh({
    identity,
    signaling: signaling.signaling(identity.peerId),
    createLink: (args) => createLink({ ...args, options: { ...args.options, log: quiet } }),
    options: { log: quiet },
  })
  const files = new FileTransfers({
    mesh: createMeshPort({ mesh }),
    store: options.store ?? createMemoryChunkStore(),
    sha256,
    log: quiet,
  })
  files.serveScope(SCOPE, openAccess)
  const d: WrtcDevice = { peer: identity.peerId, mesh, files }
  devices.push(d)
  return d
}

/** Links two devices over a fresh pair of WebRTC pipes, as manual pairing would. */
async function overWrtc(a: WrtcDevice, b: WrtcDevice): Promise<void> {
  const { pipes } = await connectWrtcPipes()
  await Promise.all([
    a.mesh.attach(b.peer, pipes[0], { dialedBySelf: true }),
    b.mesh.attach(a.peer, pipes[1]),
  ])
}
const hashOf = async (bytes: Uint8Array) => toHex(await sha256(bytes))

describe('file transfers over WebRTC', () => {
  it('moves 24 MB from two holders at once, every chunk verified', async () => {
    const [a, b, c] = [await device(), await device(), await device()]
    await overWrtc(a, c)
    await overWrtc(b, c)
    const original = randomBytes(24 * 1024 * 1024 + 777, 42)
    const { fileId, manifest } = await a.files.add(new Blob([original as BlobPart]))
    await b.files.add(new Blob([original as BlobPart]))
    expect(manifest.chunkSize).toBe(DEFAULT_CHUNK_SIZE)
    const started = performance.now()
    const download = c.files.download(fileId, SCOPE, new ListFinder([a.peer, b.peer]))
    await download.done
    const seconds = (performance.now() - started) / 1000
    console.info(`24 MB over two wrtc links in ${seconds.toFixed(2)} s`)
    const bySource = download.progress().sources.map((s) => s.bytes)
    expect(bySource.every((bytes) => bytes > 0)).toBe(true)
    expect(bySource.reduce((x, y) => x + y)).toBe(original.length)
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  }, 60_000)

  it('survives a holder whose connection dies midway and one that serves bad data', async () => {
    const bad = await device({ store: corruptingStore(createMemoryChunkStore()) })
    const [a, b, c] = [await device(), await device(), await device()]
    await overWrtc(a, c)
    await overWrtc(bad, c)
    const original = randomBytes(16 * 1024 * 1024, 43)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    await b.files.add(new Blob([original as BlobPart]))
    await bad.files.add(new Blob([original as BlobPart]))
    const finder = new ListFinder([bad.peer, a.peer])
    const download = c.files.download(fileId, SCOPE, finder)
    await until(() => download.progress().bytesDone > 2 * 1024 * 1024, 'some progress', 20_000)
    // The pipe under the link goes, as when the holder's page closes.
    c.mesh.linkTo(a.peer)?.close('page closed')
    await until(() => download.progress().state === 'waiting', 'the download to wait')
    const stored = download.progress().bytesDone
    expect(stored).toBeLessThan(original.length)
    await overWrtc(b, c)
    finder.set([bad.peer, a.peer, b.peer])
    await download.done
    const sources = new Map(download.progress().sources.map((s) => [s.peer, s]))
    expect(sources.get(bad.peer)?.state).toBe('bad')
    expect(sources.get(b.peer)!.bytes).toBeLessThanOrEqual(original.length - stored)
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  }, 60_000)
})
