import { describe, expect, it } from 'vitest'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { FileTransfers } from '../../src/files/file-transfers.ts'
import { toHex } from '../../src/files/hashing.ts'
import { until } from '../support/until.ts'
import {
  connect,
  corruptingStore,
  disconnect,
  ListFinder,
  openAccess,
  randomBytes,
  readAll,
  sha256,
  slowStore,
  testDevice,
  trackedDevices,
  type TestDevice,
} from './files-harness.ts'

const SCOPE = 'wp-test'
const CHUNK = 16 * 1024
const devices = trackedDevices()

async function device(options: Parameters<typeof testDevice>[0] = {}): Promise<TestDevice> {
  const d = await testDevice({
    chunkSize: CHUNK,
    download: { windowBytes: 8 * CHUNK, retryMs: 200 },
    ...options,
  })
  d.files.serveScope(SCOPE, openAccess)
  devices.push(d)
  return d
}

/** A holder whose reads take a few milliseconds, so its transfers can be cut midway. */
const slow = () => device({ store: slowStore(createMemoryChunkStore(), 5) })

const hashOf = async (bytes: Uint8Array) => toHex(await sha256(bytes))

/** Counts the chunk messages a device's server sent to each peer. */
/**
 * Bytes `files` has served, per upload as last seen: the server stops listing an upload idle for
 * 10 s, so a sum over what it lists now can fall back to 0 late in a slow run.
 */
function sentChunks(files: FileTransfers): () => number {
  const sent = new Map<string, number>()
  files.server.on('change', () => {
    for (const u of files.uploads()) sent.set(`${u.peer} ${u.fileId}`, u.bytesSent)
  })
  return () => [...sent.values()].reduce((sum, bytes) => sum + bytes, 0)
}

describe('file transfers between devices', () => {
  it('moves a file from one holder to another, verified and equal', async () => {
    const [a, b] = [await device(), await device()]
    await connect(a, b)
    const original = randomBytes(10 * CHUNK + 123)
    const { fileId, manifest } = await a.files.add(new Blob([original as BlobPart]))
    expect(manifest.count).toBe(11)
    const download = b.files.download(fileId, SCOPE, new ListFinder([a.peer]))
    await download.done
    expect(download.progress().bytesDone).toBe(original.length)
    expect(await hashOf(await readAll(b.files, fileId))).toBe(await hashOf(original))
    expect(await b.files.isComplete(fileId)).toBe(true)
  })

  it('pulls from every holder at once', async () => {
    // Once the download starts, A serves nothing until B has served a chunk (or 5 s passed): a
    // download asking only A first, however fast A would be, is seen, on any machine.
    let fromB = () => 0
    let gated = false
    const inner = createMemoryChunkStore()
    const gatedStore = {
      ...inner,
      getChunk: async (hash: Parameters<typeof inner.getChunk>[0]) => {
        if (gated) await until(() => fromB() > 0, 'B to serve a chunk').catch(() => {})
        return inner.getChunk(hash)
      },
    }
    const [a, b, c] = [await device({ store: gatedStore }), await slow(), await device()]
    await connect(a, c)
    await connect(b, c)
    const original = randomBytes(64 * CHUNK, 7)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    await b.files.add(new Blob([original as BlobPart]))
    const fromA = sentChunks(a.files)
    fromB = sentChunks(b.files)
    gated = true
    await c.files.download(fileId, SCOPE, new ListFinder([a.peer, b.peer])).done
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
    expect(fromA()).toBeGreaterThan(0)
    expect(fromB()).toBeGreaterThan(0)
    expect(fromA() + fromB()).toBe(original.length)
  })

  it('flags a holder that serves corrupted chunks and completes from another', async () => {
    const badStore = createMemoryChunkStore()
    const [a, bad, c] = [
      await device(),
      await device({ store: corruptingStore(badStore) }),
      await device(),
    ]
    await connect(a, c)
    await connect(bad, c)
    const original = randomBytes(32 * CHUNK, 3)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    await bad.files.add(new Blob([original as BlobPart]))
    const flagged: string[] = []
    c.files.on('flagged', ({ peer }) => flagged.push(peer))
    const download = c.files.download(fileId, SCOPE, new ListFinder([bad.peer, a.peer]))
    await download.done
    expect(flagged).toEqual([bad.peer])
    expect(download.progress().sources.find((s) => s.peer === bad.peer)?.state).toBe('bad')
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  })

  it('resumes from the chunks already verified when a holder goes and another comes', async () => {
    const [a, b, c] = [await slow(), await slow(), await device()]
    await connect(a, c)
    const original = randomBytes(200 * CHUNK, 5)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    await b.files.add(new Blob([original as BlobPart]))
    const finder = new ListFinder([a.peer])
    const first = c.files.download(fileId, SCOPE, finder)
    await until(() => first.progress().bytesDone >= 20 * CHUNK, 'part of the file to arrive')
    disconnect(a, c)
    await until(() => first.progress().state === 'waiting', 'the download to wait for holders')
    const before = first.progress().bytesDone
    expect(before).toBeLessThan(original.length)
    const fromB = sentChunks(b.files)
    await connect(b, c)
    finder.set([a.peer, b.peer])
    await first.done
    expect(fromB()).toBeLessThanOrEqual(original.length - before)
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  })

  it('a new download after a cancel (as after a reload) asks only for what is missing', async () => {
    const [a, c] = [await slow(), await device()]
    await connect(a, c)
    const original = randomBytes(120 * CHUNK, 9)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    const fromA = sentChunks(a.files)
    const first = c.files.download(fileId, SCOPE, new ListFinder([a.peer]))
    await until(() => first.progress().bytesDone >= 30 * CHUNK, 'part of the file')
    await c.files.cancel(fileId)
    const stored = first.progress().bytesDone
    expect((await c.files.record(fileId))?.wanted).toBe(false)
    const again = c.files.download(fileId, SCOPE, new ListFinder([a.peer]))
    expect(again).not.toBe(first)
    await until(() => again.progress().bytesDone >= stored, 'the stored part to count')
    await again.done
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
    // A few chunks in flight at the cancel may be sent twice; nothing near a restart from zero.
    expect(fromA()).toBeLessThan(original.length + stored / 2)
  })

  it('refuses peers the scope does not allow, with the reason', async () => {
    const [a, m] = [await device(), await device()]
    a.files.serveScope('private', { mayFetch: (peer) => (peer === m.peer ? 'not-member' : null) })
    await connect(a, m)
    const { fileId } = await a.files.add(new Blob([randomBytes(3 * CHUNK) as BlobPart]))
    const download = m.files.download(fileId, 'private', new ListFinder([a.peer]))
    await until(() => download.progress().sources[0]?.state === 'refused', 'the refusal')
    expect(download.progress().sources[0]?.detail).toMatch(/only members/i)
    expect(download.progress().bytesDone).toBe(0)
    expect(await m.files.isComplete(fileId)).toBe(false)
  })

  it('waits while no holder is online and finishes when one appears', async () => {
    const [a, c] = [await device(), await device()]
    const original = randomBytes(5 * CHUNK + 1, 11)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    const download = c.files.download(fileId, SCOPE, new ListFinder([a.peer]), original.length)
    await until(() => download.progress().state === 'waiting', 'waiting')
    expect(download.progress().size).toBe(original.length)
    await connect(a, c)
    await download.done
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  })

  it('shares a partial copy: a downloader serves the chunks it has verified', async () => {
    const [a, b, c] = [await slow(), await device(), await device()]
    await connect(a, b)
    await connect(b, c)
    const original = randomBytes(40 * CHUNK, 13)
    const { fileId } = await a.files.add(new Blob([original as BlobPart]))
    const atB = b.files.download(fileId, SCOPE, new ListFinder([a.peer]))
    await until(() => atB.progress().bytesDone >= 10 * CHUNK, 'B to hold part of it')
    disconnect(a, b)
    const atC = c.files.download(fileId, SCOPE, new ListFinder([b.peer]))
    await until(() => atC.progress().bytesDone >= 10 * CHUNK, 'C to get B’s part')
    expect(atC.progress().state).not.toBe('complete')
    await connect(a, b)
    atB.refresh()
    await atB.done
    atC.refresh()
    await until(() => atC.state === 'complete', 'C to finish from B', 15_000)
    expect(await hashOf(await readAll(c.files, fileId))).toBe(await hashOf(original))
  })
})
