import { createSocket, type Socket } from 'node:dgram'
import wrtc from '@roamhq/wrtc'
import stun from 'stun'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { startStunResponder, type StunResponder } from '../../signaling/stun-responder.ts'
import { turnCredentials } from '../../signaling/turn-credentials.ts'
import {
  iceAnnouncementUrl,
  parseIceAnnouncement,
  type IceAnnouncement,
} from '../../src/peer/signaling/ice-announcement.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { probeIceServer } from '../../src/peer/transport/ice-probe.ts'
import { startCoturn, type Coturn } from '../support/coturn.ts'

const PEER = 'abcdefghijklmnopqrstuvwxyz234567' as PeerId

async function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return socket
}

describe('STUN binding responder', () => {
  let responder: StunResponder
  beforeAll(async () => {
    responder = await startStunResponder({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => responder.close())

  it('tells a standard STUN client its address and port', async () => {
    const socket = await boundSocket()
    try {
      const response = await stun.request(`127.0.0.1:${responder.port}`, {
        socket,
        timeout: 300,
        retries: 3,
      })
      const mapped = response.getXorAddress()
      expect(mapped).toMatchObject({ address: '127.0.0.1', port: socket.address().port })
      expect(response.getAddress()).toMatchObject({ port: socket.address().port })
    } finally {
      socket.close()
    }
  })

  it('ignores what is not a binding request and keeps answering', async () => {
    const socket = await boundSocket()
    const replies: Buffer[] = []
    socket.on('message', (message) => replies.push(message))
    const garbage = [
      Buffer.alloc(0),
      Buffer.from('hello, are you a STUN server?'),
      Buffer.alloc(20, 0xff),
      // A binding request whose length field lies.
      Buffer.from('000100080000000000000000000000000000000000000000', 'hex'),
      Buffer.alloc(4000),
    ]
    for (const bytes of garbage) socket.send(bytes, responder.port, '127.0.0.1')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(replies).toHaveLength(0)
    socket.close()
    const response = await stun.request(`127.0.0.1:${responder.port}`, { timeout: 300 })
    expect(response.getXorAddress()?.address).toBe('127.0.0.1')
  })
})

describe('ICE server announcement', () => {
  let server: SignalingServer
  beforeAll(async () => {
    server = await createSignalingServer({
      logger: silentLogger,
      peerjs: false,
      ice: { stunPort: 3479, turn: ['turn:turn.example.org:3478'], turnSecret: 's3cret' },
    })
  })
  afterAll(() => server.close())

  async function announce(url: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url)
    return { status: response.status, body: await response.json() }
  }

  it('announces its own STUN under the host the app used, and TURN with credentials', async () => {
    const before = Math.floor(Date.now() / 1000)
    const { status, body } = await announce(iceAnnouncementUrl(server.address.url, PEER))
    expect(status).toBe(200)
    const parsed = parseIceAnnouncement(body) as IceAnnouncement
    expect(typeof parsed).toBe('object')
    expect(parsed.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3479'] })
    const turn = parsed.iceServers[1]!
    const [expiry, peer] = (turn.username ?? '').split(':')
    expect(peer).toBe(PEER)
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + parsed.ttlSeconds)
    expect(parsed.ttlSeconds).toBeGreaterThanOrEqual(3600)
    expect(turn.credential).toBe(
      turnCredentials(
        's3cret',
        PEER,
        parsed.ttlSeconds,
        Number(expiry) * 1000 - parsed.ttlSeconds * 1000,
      ).credential,
    )
  })

  it('refuses a request without a valid peer ID', async () => {
    const url = new URL('/ice-servers?peer=../../etc', server.address.url).href
    const { status, body } = await announce(url)
    expect(status).toBe(400)
    expect(body).toMatchObject({ error: expect.stringContaining('peer') })
  })

  it('validates announcements on the app side', () => {
    expect(parseIceAnnouncement({ v: 2, iceServers: [], ttlSeconds: 0 })).toMatch(/version/)
    expect(
      parseIceAnnouncement({ v: 1, iceServers: [{ urls: 'http://x' }], ttlSeconds: 0 }),
    ).toMatch(/url/)
    expect(parseIceAnnouncement({ v: 1, iceServers: [], ttlSeconds: -1 })).toMatch(/ttl/)
    expect(
      parseIceAnnouncement({
        v: 1,
        iceServers: [{ urls: 'turn:a', credential: 7 }],
        ttlSeconds: 60,
      }),
    ).toMatch(/credential/)
  })
})

describe('TURN REST credentials against a real coturn', () => {
  let coturn: Coturn
  let good: SignalingServer
  let wrong: SignalingServer
  beforeAll(async () => {
    coturn = await startCoturn('right-secret')
    const ice = (turnSecret: string) => ({ stun: [], turn: [coturn.url], turnSecret })
    good = await createSignalingServer({
      logger: silentLogger,
      peerjs: false,
      ice: ice('right-secret'),
    })
    wrong = await createSignalingServer({ logger: silentLogger, peerjs: false, ice: ice('wrong') })
  }, 60_000)
  afterAll(async () => {
    await Promise.all([good?.close(), wrong?.close()])
    await coturn?.stop()
  })

  async function relayCandidates(server: SignalingServer) {
    const body: unknown = await (await fetch(iceAnnouncementUrl(server.address.url, PEER))).json()
    const announcement = parseIceAnnouncement(body) as IceAnnouncement
    return gatherCandidates({ iceServers: announcement.iceServers, iceTransportPolicy: 'relay' })
  }

  it('coturn allocates a relay with the credentials the server issued', async () => {
    let gathered = await relayCandidates(good)
    // On a loaded machine an allocation can time out (no error code, no candidate); a second
    // gathering tells that apart from refused credentials, which fail both times with 401.
    if (!gathered.types.includes('relay') && !gathered.errors.includes(401)) {
      gathered = await relayCandidates(good)
    }
    expect(gathered.types, `ICE errors: ${gathered.errors.join(', ')}`).toContain('relay')
  })

  it('the Test of a TURN entry reports a relay, or the refusal in words', async () => {
    const Pc = wrtc.RTCPeerConnection as typeof RTCPeerConnection
    const issued = async (server: SignalingServer) => {
      const body: unknown = await (await fetch(iceAnnouncementUrl(server.address.url, PEER))).json()
      return (parseIceAnnouncement(body) as IceAnnouncement).iceServers[0]!
    }
    const works = await probeIceServer(await issued(good), { RTCPeerConnection: Pc })
    expect(works).toMatchObject({ ok: true, summary: 'Works: TURN gave a relay address.' })
    const refused = await probeIceServer(await issued(wrong), { RTCPeerConnection: Pc })
    expect(refused.ok).toBe(false)
    expect(refused.summary).toContain('TURN refused the user name/password')
  })

  it('coturn refuses credentials made with another secret (401)', async () => {
    const { types, errors } = await relayCandidates(wrong)
    expect(types).not.toContain('relay')
    expect(errors).toContain(401)
  })
})

/** Candidate types gathered by a throwaway connection, and the error codes it reported. */
async function gatherCandidates(
  config: RTCConfiguration,
): Promise<{ types: string[]; errors: number[] }> {
  const pc = new wrtc.RTCPeerConnection(config) as RTCPeerConnection
  const types: string[] = []
  const errors: number[] = []
  pc.onicecandidate = (event) => {
    const type = event.candidate?.candidate.match(/ typ (\w+)/)?.[1]
    if (type) types.push(type)
  }
  pc.addEventListener('icecandidateerror', (event) => {
    errors.push((event as RTCPeerConnectionIceErrorEvent).errorCode)
  })
  pc.createDataChannel('probe')
  await pc.setLocalDescription(await pc.createOffer())
  const deadline = Date.now() + 10_000
  while (pc.iceGatheringState !== 'complete') {
    if (Date.now() > deadline) {
      pc.close()
      throw new Error(`ICE gathering did not complete within 10 s (got ${types.join(',')})`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  pc.close()
  return { types, errors }
}
