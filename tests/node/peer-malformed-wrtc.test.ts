import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import type { LinkCloseReason } from '../../src/peer/link/link.ts'
import { encodeFrame } from '../../src/peer/link/link-protocol.ts'
import { createMesh, type Mesh } from '../../src/peer/mesh/mesh.ts'
import {
  encodeEnvelope,
  MESH_CHANNEL,
  newMessageId,
  PRESENCE_CHANNEL,
  SIGNAL_CHANNEL,
} from '../../src/peer/mesh/mesh-protocol.ts'
import { createPresence, type Presence } from '../../src/peer/mesh/presence.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier, type RelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { waitFor } from '../support/fake-mesh-network.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { connectWrtcPipes } from '../support/wrtc-pipes.ts'

// Garbage from a peer over real WebRTC connections (@roamhq/wrtc): the receiving peer drops
// each bad frame with a logged reason, keeps working, and cuts a peer that keeps sending them.

const bytes = (...values: number[]) => Uint8Array.from(values)
const text = (value: string) => new TextEncoder().encode(value)

/** Link frames that must each fail validation after authentication. */
function badLinkFrames(): Uint8Array[] {
  return [
    new Uint8Array(0),
    bytes(0xff, 1, 2, 3),
    bytes(1, 1, 2), // a truncated hello
    encodeFrame({ type: 'ping', timestamp: 1 }).subarray(0, 5), // truncated ping
    bytes(5, 3, 0x20, 0x20, 0x20, 9), // data on a channel named "   "
    bytes(6, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 2, 4, 0x63, 0x68, 0x61, 0x74, 9), // index 5 of 2
    bytes(6, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 4, 0x63, 0x68, 0x61, 0x74, 9),
    encodeFrame({ type: 'pong', timestamp: performance.now() + 3_600_000 }), // never pinged
    encodeFrame({ type: 'auth-proof', signature: new Uint8Array(64) }), // after authentication
  ]
}

describe('malformed link frames over @roamhq/wrtc', () => {
  const links: AuthenticatedLink[] = []
  afterEach(() => {
    for (const link of links.splice(0)) link.close('test over')
  })

  async function linked(logs: string[]) {
    const ids = [await createTestIdentity(), await createTestIdentity()] as const
    const { pipes } = await connectWrtcPipes()
    const log = (line: string) => void logs.push(line)
    const [a, b] = await Promise.all([
      createLink({ pipe: pipes[0], identity: ids[0], options: { log } }),
      createLink({ pipe: pipes[1], identity: ids[1], options: { log: () => {} } }),
    ])
    links.push(a, b)
    return { a, b, pipes }
  }

  it('drops each bad frame with a reason, keeps the link, then cuts a peer that goes on', async () => {
    const logs: string[] = []
    const { a, b, pipes } = await linked(logs)
    const received: string[] = []
    a.on('message', ({ channel, data }) =>
      received.push(`${channel}:${new TextDecoder().decode(data)}`),
    )
    const frames = badLinkFrames()
    for (const frame of frames) pipes[1].send(frame)
    b.send('chat', text('still here'))
    await waitFor('the good message after the bad ones', () => received.length === 1)
    expect(received).toEqual(['chat:still here'])
    expect(a.state).toBe('open')
    expect(a.violations).toBe(frames.length)
    expect(logs.filter((line) => line.startsWith('dropping a frame'))).toHaveLength(frames.length)

    const closed = new Promise<LinkCloseReason>((resolve) =>
      a.on('close', ({ reason }) => resolve(reason)),
    )
    const remoteClosed = new Promise<string>((resolve) =>
      b.on('close', ({ detail }) => resolve(detail)),
    )
    for (let i = 0; i < 5; i++) pipes[1].send(bytes(0xee, i))
    expect(await closed).toBe('protocol-error')
    expect(await remoteClosed).toBe('protocol-error')
  })

  it('a control frame on the bulk channel is a violation; bulk data still arrives', async () => {
    const logs: string[] = []
    const { a, b, pipes } = await linked(logs)
    await waitFor('bulk channels', () => a.bulkChannel === 'open' && b.bulkChannel === 'open')
    // The connection hands out the same side channel the link of B already uses.
    const bulkOfB = await pipes[1].openSideChannel('bulk')
    bulkOfB.send(encodeFrame({ type: 'ping', timestamp: 1 }))
    bulkOfB.send(bytes(0xff))
    const got = new Promise<number>((resolve) =>
      a.on('message', ({ data }) => resolve(data.byteLength)),
    )
    await b.sendBulk('files', new Uint8Array(600_000).fill(7))
    expect(await got).toBe(600_000)
    expect(a.violations).toBe(2)
    expect(logs.join('\n')).toMatch(/ping frame on the bulk channel/)
    expect(a.bulkChannel).toBe('open')
  })

  it('garbage before authentication fails the handshake without a crash', async () => {
    const ids = [await createTestIdentity(), await createTestIdentity()] as const
    const { pipes } = await connectWrtcPipes()
    const attempt = createLink({ pipe: pipes[0], identity: ids[0], options: { log: () => {} } })
    pipes[1].send(bytes(1, 1, 0xde, 0xad))
    await expect(attempt).rejects.toThrow(/auth-failed/)
    await waitFor('the far pipe closed', () => !pipes[1].isOpen)
  })
})

interface MeshPeer {
  identity: Identity
  relay: RelayCarrier
  mesh: Mesh
  presence: Presence
  logs: string[]
  /** The pipe under the current link to each peer. */
  pipes: Map<PeerId, DataPipe>
}

describe('malformed mesh traffic over @roamhq/wrtc', () => {
  const GROUP = 'malformed-group'
  // Links that call a silent peer offline after 1.2 s, not the app's 3 s (heartbeats a third
  // of that, as the app's): the test waits past that timeout, so a shorter one is quicker.
  const timing = { heartbeatIntervalMs: 400, offlineAfterMs: 1200 }
  let server: SignalingServer | undefined
  const peers: MeshPeer[] = []

  afterAll(async () => {
    for (const peer of peers) {
      peer.presence.close()
      peer.mesh.close()
      peer.relay.close()
    }
    await server?.close()
  })

  function startPeer(identity: Identity, url: string, group: PeerId[]): MeshPeer {
    const logs: string[] = []
    const log = (line: string) => void logs.push(line)
    const relay = createRelayCarrier({ url, identity, WebSocket, reconnect: false })
    const options = { self: identity.peerId, iceServers: [], wrtc, connectTimeoutMs: 5000, log }
    const pipes = new Map<PeerId, DataPipe>()
    const mesh = createMesh({
      identity,
      signaling: createCarrierSignaling(relay, options),
      createMeshSignaling: (carrier) => createCarrierSignaling(carrier, options),
      createLink: async (args) => {
        const link = await createLink({ ...args, options: { ...timing, log } })
        pipes.set(link.remote, args.pipe)
        return link
      },
      options: { log },
    })
    const presence = createPresence({ mesh, options: { log } })
    mesh.join(asTopic('malformed-topic'))
    mesh.setGroup(GROUP, group)
    return { identity, relay, mesh, presence, logs, pipes }
  }

  it('a linked peer sending bad envelopes, presence gossip and signals changes nothing; a flood of bad frames cuts it and it comes back', async () => {
    server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    const identities = [await createTestIdentity(), await createTestIdentity()]
    const group = identities.map((identity) => identity.peerId)
    for (const identity of identities) peers.push(startPeer(identity, server.relayUrl, group))
    const [a, b] = peers as [MeshPeer, MeshPeer]
    const [idA, idB] = [a.identity.peerId, b.identity.peerId]
    await waitFor('linked', () => !!a.mesh.linkTo(idB) && !!b.mesh.linkTo(idA), 20_000)
    await waitFor('online', () => a.presence.isOnline(GROUP, idB), 10_000)
    const inbox: string[] = []
    a.mesh.onMessage('app', ({ from, data }) => inbox.push(`${from}:${data.length}`))

    const stranger = (await createTestIdentity()).peerId
    const link = b.mesh.linkTo(idA)!
    const linkAtA = a.mesh.linkTo(idB)!
    const envelope = (channel: string, payload: Uint8Array, extra: object) =>
      encodeEnvelope({
        id: newMessageId((out) => crypto.getRandomValues(out as Uint8Array<ArrayBuffer>)),
        from: idB,
        ttl: 1,
        hops: 1,
        channel,
        payload,
        ...extra,
      })
    const badEnvelopes = [
      bytes(9, 1, 0, 0),
      bytes(1, 1, 0, 200, 1, 2),
      Uint8Array.from([1, 1, 0, 3, ...text('{x}')]),
      envelope('app', text('forged'), { to: idA, from: stranger }),
    ]
    for (const frame of badEnvelopes) link.send(MESH_CHANNEL, frame)
    link.send(
      MESH_CHANNEL,
      envelope(PRESENCE_CHANNEL, text('{"v":2,"t":"records","g":"x","records":[{"p":"x"}]}'), {
        to: idA,
      }),
    )
    link.send(MESH_CHANNEL, envelope(PRESENCE_CHANNEL, bytes(0xc3, 0x28), { to: idA }))
    link.send(MESH_CHANNEL, envelope(SIGNAL_CHANNEL, text('{"v":1}'), { to: idA }))
    link.send(MESH_CHANNEL, envelope(SIGNAL_CHANNEL, text('[]'), { to: idA }))
    b.mesh.send(idA, 'app', text('hello'))

    await waitFor('the good message', () => inbox.length === 1, 5000)
    expect(inbox).toEqual([`${idB}:5`])
    expect(a.mesh.linkTo(idB)).toBe(linkAtA)
    const reasons = a.logs.join('\n')
    expect(reasons).toMatch(/dropped invalid mesh frame .*unsupported version 9/)
    expect(reasons).toMatch(/dropped invalid mesh frame .*bad header length/)
    expect(reasons).toMatch(/dropped invalid mesh frame .*header is not JSON/)
    expect(reasons).toMatch(/first hop not from its sender/)
    expect(reasons).toMatch(/dropped presence message from .*bad record/)
    expect(reasons).toMatch(/dropped presence message from .*not JSON/)
    expect(reasons).toMatch(/dropped mesh signal from .*signal without data/)
    expect(reasons).toMatch(/dropped mesh signal from .*not a JSON object/)
    // Presence held through it all: B stays online past the offline timeout.
    await new Promise((resolve) => setTimeout(resolve, timing.offlineAfterMs + 500))
    expect(a.presence.isOnline(GROUP, idB)).toBe(true)

    // Raw garbage under the link: A cuts B after too many, and the mesh links them again.
    const down = new Promise<string>((resolve) =>
      a.mesh.on('link-down', ({ reason }) => resolve(reason)),
    )
    const pipe = b.pipes.get(idA)!
    for (let i = 0; i < 12; i++) pipe.send(bytes(0xee, i))
    expect(await down).toMatch(/protocol-error/)
    // Both ends: B's link may come up after A's, and B sends over it next.
    await waitFor(
      'linked again at both ends',
      () =>
        !!a.mesh.linkTo(idB) &&
        a.mesh.linkTo(idB) !== linkAtA &&
        !!b.mesh.linkTo(idA) &&
        b.mesh.linkTo(idA) !== link,
      20_000,
    )
    b.mesh.send(idA, 'app', text('back'))
    await waitFor('a message over the new link', () => inbox.length === 2, 5000)
  }, 60_000)
})
