import { afterEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { connectWrtcPipes, nextMessage as nextPipeMessage } from '../support/wrtc-pipes.ts'

const links: AuthenticatedLink[] = []
afterEach(() => {
  for (const link of links.splice(0)) link.close('test over')
})

async function linkedOverWrtc(): Promise<{
  a: AuthenticatedLink
  b: AuthenticatedLink
  ids: [Identity, Identity]
  pipes: [DataPipe, DataPipe]
}> {
  const ids: [Identity, Identity] = [
    await loadOrCreateIdentity(createMemoryKeyStore()),
    await loadOrCreateIdentity(createMemoryKeyStore()),
  ]
  const { pipes } = await connectWrtcPipes()
  const [a, b] = await Promise.all([
    createLink({ pipe: pipes[0], identity: ids[0], expectedPeer: ids[1].peerId }),
    createLink({ pipe: pipes[1], identity: ids[1] }),
  ])
  links.push(a, b)
  return { a, b, ids, pipes }
}

function nextMessage(link: AuthenticatedLink): Promise<{ channel: string; data: Uint8Array }> {
  return new Promise((resolve) => {
    const off = link.on('message', (message) => {
      off()
      resolve(message)
    })
  })
}

describe('authenticated links over @roamhq/wrtc', () => {
  it('authenticates both ends over real DTLS fingerprints', async () => {
    const { a, b, ids, pipes } = await linkedOverWrtc()
    expect(a.remote).toBe(ids[1].peerId)
    expect(b.remote).toBe(ids[0].peerId)
    expect(pipes[0].fingerprints.remote).toBe(pipes[1].fingerprints.local)
    expect(pipes[1].fingerprints.remote).toBe(pipes[0].fingerprints.local)
  })

  it('carries messages and a 5 MB bulk payload, with chat not stuck behind it', async () => {
    const { a, b } = await linkedOverWrtc()
    const hello = nextMessage(b)
    a.send('chat', new TextEncoder().encode('hi'))
    expect(new TextDecoder().decode((await hello).data)).toBe('hi')

    const bulk = new Uint8Array(5 * 1024 * 1024)
    for (let i = 0; i < bulk.length; i += 4096) bulk[i] = (i / 4096) & 0xff
    const received: { channel: string; data: Uint8Array }[] = []
    const bothArrived = new Promise<void>((resolve) =>
      b.on('message', (message) => {
        received.push(message)
        if (received.length === 2) resolve()
      }),
    )
    const bulkSent = a.sendBulk('files', bulk)
    a.send('chat', Uint8Array.of(1))
    await bulkSent
    await bothArrived
    // The chat message went on the main channel and overtook the bulk payload.
    expect(received.map((message) => message.channel)).toEqual(['chat', 'files'])
    const file = received[1]?.data ?? new Uint8Array(0)
    expect(file.length).toBe(bulk.length)
    expect(Buffer.compare(file, bulk)).toBe(0)

    const stats = await a.stats()
    expect(stats.rttMs).toBeGreaterThanOrEqual(0)
    expect(stats.bytesSent).toBeGreaterThan(bulk.length)
  })

  it('opens further side channels on the same connection', async () => {
    const { pipes } = await linkedOverWrtc()
    const [sideA, sideB] = await Promise.all([
      pipes[0].openSideChannel('extra'),
      pipes[1].openSideChannel('extra'),
    ])
    const got = nextPipeMessage(sideB)
    sideA.send(Uint8Array.of(3, 1, 4))
    expect(await got).toEqual(Uint8Array.of(3, 1, 4))
  })

  it('closing one side closes the other', async () => {
    const { a, b } = await linkedOverWrtc()
    const closed = new Promise<{ reason: string; detail: string }>((resolve) =>
      b.on('close', resolve),
    )
    a.close('bye')
    expect(await closed).toEqual({ reason: 'remote-close', detail: 'bye' })
    expect(b.state).toBe('closed')
  })

  it('refuses the wrong peer over a real connection', async () => {
    const newIdentity = (): Promise<Identity> => loadOrCreateIdentity(createMemoryKeyStore())
    const [a, b, c] = await Promise.all([newIdentity(), newIdentity(), newIdentity()])
    const { pipes } = await connectWrtcPipes()
    const results = await Promise.allSettled([
      createLink({ pipe: pipes[0], identity: a, expectedPeer: c.peerId }),
      createLink({ pipe: pipes[1], identity: b }),
    ])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected'])
  })
})
