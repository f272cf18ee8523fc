import { describe, expect, it } from 'vitest'
import { ChunkServer } from '../../src/files/chunk-server.ts'
import { importBlob } from '../../src/files/import-blob.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { FilesMessage } from '../../src/files/transfer-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { until } from '../support/until.ts'
import { randomBytes, sha256 } from './files-harness.ts'

const PEER = 'reader' as PeerId
const CHUNK = 1024

/** A server of one stored file whose bulk sends wait until the test lets each one go. */
async function heldServer(chunks: number) {
  const store = createMemoryChunkStore()
  const { fileId } = await importBlob(new Blob([randomBytes(chunks * CHUNK, 7) as BlobPart]), {
    store,
    sha256,
    chunkSize: CHUNK,
  })
  const sent: number[] = []
  const held: { go: () => void; fail: () => void }[] = []
  const server = new ChunkServer({
    store,
    access: () => ({ mayFetch: () => null }),
    send: () => {},
    sendBulk: (_peer, message: FilesMessage) =>
      new Promise<void>((resolve, reject) => {
        held.push({
          go: () => {
            if (message.type === 'chunk') sent.push(message.index)
            resolve()
          },
          fail: () => reject(new Error('the link closed')),
        })
      }),
    now: Date.now,
    log: () => {},
  })
  const open = (wantManifest = false) =>
    server.onOpen(PEER, { type: 'open', requestId: 1, fileId, scope: 'w', wantManifest })
  await open()
  const next = async () => {
    await until(() => held.length > 0, 'a send to be under way', 2000)
    return held.shift()!
  }
  /** Lets the oldest send under way go through. */
  const release = async () => (await next()).go()
  /** Fails the oldest send under way, as the link it was on closed. */
  const fail = async () => (await next()).fail()
  return { server, fileId, sent, held, open, release, fail }
}

describe('the chunk server', () => {
  it('sends chunks asked for while its last queued chunk is still being sent', async () => {
    const { server, fileId, sent, release } = await heldServer(4)
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 0, length: 2 }] })
    await release()
    // Chunk 1, the last one queued, is on its way when the reader's window opens again.
    await until(() => sent.length === 1, 'chunk 0', 2000)
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 2, length: 2 }] })
    for (let i = 0; i < 3; i++) await release()
    expect(sent).toEqual([0, 1, 2, 3])
  })

  it('stops sending what the reader cancelled', async () => {
    const { server, fileId, sent, release } = await heldServer(8)
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 0, length: 8 }] })
    // Chunk 0 is on its way; those read ahead and those queued are cancelled.
    server.onCancel(PEER, { type: 'cancel', fileId })
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 7, length: 1 }] })
    await release()
    await release()
    expect(sent).toEqual([0, 7])
  })

  it('keeps serving a peer who came back when a chunk sent on its old link fails late', async () => {
    const { server, fileId, sent, held, open, release, fail } = await heldServer(4)
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 0, length: 4 }] })
    await until(() => held.length === 1, 'chunk 0 to be under way', 2000)
    // The link drops with chunk 0 on its way; the peer links again and asks afresh before the
    // old link's send gives up.
    server.peerGone(PEER)
    await open()
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 0, length: 4 }] })
    await until(() => held.length === 2, 'the new session to send', 2000)
    await fail()
    for (let i = 0; i < 4; i++) await release()
    expect(sent).toEqual([0, 1, 2, 3])
  })

  it('keeps serving a peer who came back when a large opened reply on its old link fails late', async () => {
    // Above 16 KiB of manifest (32 bytes a chunk), the reply to `open` goes on the bulk channel.
    const { server, fileId, sent, held, open, release, fail } = await heldServer(600)
    const opening = open(true)
    await until(() => held.length === 1, 'the opened reply to be under way', 2000)
    server.peerGone(PEER)
    await open()
    server.onRequest(PEER, { type: 'request', fileId, ranges: [{ start: 0, length: 2 }] })
    await until(() => held.length === 2, 'the new session to send', 2000)
    await fail()
    await opening
    for (let i = 0; i < 2; i++) await release()
    expect(sent).toEqual([0, 1])
  })
})
