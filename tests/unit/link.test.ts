import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import type { LinkOptions } from '../../src/peer/link/link-options.ts'
import { decodeFrame, encodeFrame } from '../../src/peer/link/link-protocol.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { tapPipe } from '../support/tap-pipe.ts'

const newIdentity = (): Promise<Identity> => loadOrCreateIdentity(createMemoryKeyStore())
const quiet: LinkOptions = { log: () => {} }

async function linkedPair(
  options: LinkOptions = quiet,
  pipes: [DataPipe, DataPipe] = createMemoryPipePair(),
): Promise<{ a: AuthenticatedLink; b: AuthenticatedLink; ids: Identity[]; pipes: DataPipe[] }> {
  const ids = await Promise.all([newIdentity(), newIdentity()])
  const [a, b] = await Promise.all([
    createLink({ pipe: pipes[0], identity: ids[0] as Identity, options }),
    createLink({ pipe: pipes[1], identity: ids[1] as Identity, options }),
  ])
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

function closeOf(link: AuthenticatedLink): Promise<{ reason: string; detail: string }> {
  return new Promise((resolve) => link.on('close', resolve))
}

/** Moves the fake clock on by `ms`, running the timers due and the work they start. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms)

afterEach(() => {
  vi.useRealTimers()
})

/** toEqual on megabytes is very slow; compare bytes directly. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0

const frameTypes = (sent: Uint8Array[]): string[] =>
  sent.map((bytes) => {
    const result = decodeFrame(bytes)
    return result.ok ? result.frame.type : 'invalid'
  })

describe('link handshake', () => {
  it('proves both peer IDs and carries channel messages both ways', async () => {
    const { a, b, ids } = await linkedPair()
    expect(a.remote).toBe(ids[1]?.peerId)
    expect(b.remote).toBe(ids[0]?.peerId)
    expect(a.state).toBe('open')
    const atB = nextMessage(b)
    a.send('chat', new TextEncoder().encode('hello'))
    expect(await atB).toEqual({ channel: 'chat', data: new TextEncoder().encode('hello') })
    const atA = nextMessage(a)
    b.send('sync', Uint8Array.of(1, 2))
    expect(await atA).toEqual({ channel: 'sync', data: Uint8Array.of(1, 2) })
    a.close()
  })

  it('refuses, on both ends, a peer signing for a peer ID with the wrong key', async () => {
    const [victim, impostorKey, honest] = await Promise.all([
      newIdentity(),
      newIdentity(),
      newIdentity(),
    ])
    if (!victim || !impostorKey || !honest) throw new Error('identities missing')
    const impostor: Identity = {
      peerId: victim.peerId,
      publicKey: victim.publicKey,
      sign: (data) => impostorKey.sign(data),
    }
    const [pipeHonest, pipeImpostor] = createMemoryPipePair()
    const tap = tapPipe(pipeHonest)
    const honestLink = createLink({ pipe: tap.pipe, identity: honest, options: quiet })
    const impostorLink = createLink({ pipe: pipeImpostor, identity: impostor, options: quiet })
    await expect(honestLink).rejects.toThrow(/auth-failed.*failed to prove its key/)
    await expect(impostorLink).rejects.toThrow(/pipe-closed/)
    expect(frameTypes(tap.sent)).toEqual(['hello', 'auth-proof'])
    expect(pipeHonest.isOpen).toBe(false)
  })

  it('refuses a peer ID that does not derive from the presented key', async () => {
    const [victim, impostorKey, honest] = await Promise.all([
      newIdentity(),
      newIdentity(),
      newIdentity(),
    ])
    if (!victim || !impostorKey || !honest) throw new Error('identities missing')
    const impostor: Identity = { ...impostorKey, peerId: victim.peerId }
    const [pipeHonest, pipeImpostor] = createMemoryPipePair()
    const tap = tapPipe(pipeHonest)
    const honestLink = createLink({ pipe: tap.pipe, identity: honest, options: quiet })
    const impostorLink = createLink({ pipe: pipeImpostor, identity: impostor, options: quiet })
    await expect(honestLink).rejects.toThrow(/does not match its public key/)
    await expect(impostorLink).rejects.toThrow()
    expect(frameTypes(tap.sent)).toEqual(['hello'])
  })

  it('refuses a genuine peer that is not the expected one', async () => {
    const [a, b, c] = await Promise.all([newIdentity(), newIdentity(), newIdentity()])
    if (!a || !b || !c) throw new Error('identities missing')
    const [pipeA, pipeB] = createMemoryPipePair()
    const linkA = createLink({ pipe: pipeA, identity: a, expectedPeer: c.peerId, options: quiet })
    const linkB = createLink({ pipe: pipeB, identity: b, expectedPeer: a.peerId, options: quiet })
    await expect(linkA).rejects.toThrow(/expected/)
    await expect(linkB).rejects.toThrow()
  })

  it('binds the proof to the DTLS fingerprints of the connection', async () => {
    const [a, b] = await Promise.all([newIdentity(), newIdentity()])
    if (!a || !b) throw new Error('identities missing')
    // Each end sees a different remote certificate, as under a man in the middle.
    const [pipeA, pipeB] = createMemoryPipePair()
    const skewed = tapPipe(pipeB).pipe
    Object.defineProperty(skewed, 'fingerprints', {
      get: () => ({ local: pipeB.fingerprints.local, remote: 'ff'.repeat(32) }),
    })
    const results = await Promise.allSettled([
      createLink({ pipe: pipeA, identity: a, options: quiet }),
      createLink({ pipe: skewed, identity: b, options: quiet }),
    ])
    const errors = results.map((result) =>
      result.status === 'rejected' ? String(result.reason) : 'opened',
    )
    expect(errors.every((error) => /auth-failed|pipe-closed/.test(error))).toBe(true)
    expect(errors.some((error) => /auth-failed/.test(error))).toBe(true)
  })

  it('fails authentication on garbage instead of crashing', async () => {
    const [pipeA, pipeB] = createMemoryPipePair()
    const link = createLink({ pipe: pipeA, identity: await newIdentity(), options: quiet })
    pipeB.send(crypto.getRandomValues(new Uint8Array(50)))
    await expect(link).rejects.toThrow(/auth-failed|timeout/)
  })

  it('gives up when the peer never answers', async () => {
    const [pipeA] = createMemoryPipePair()
    const link = createLink({
      pipe: pipeA,
      identity: await newIdentity(),
      options: { ...quiet, handshakeTimeoutMs: 50 },
    })
    await expect(link).rejects.toThrow(/timeout/)
  })
})

describe('open link', () => {
  it('drops malformed frames, then disconnects a peer that keeps sending them', async () => {
    const logged: string[] = []
    const pipes = createMemoryPipePair()
    const { a, b } = await linkedPair({ log: (line) => logged.push(line) }, pipes)
    const raw = pipes[1] // b's pipe: write past b's link, straight at a
    const fragment = (count: number): Uint8Array =>
      encodeFrame({
        type: 'fragment',
        messageId: 1,
        index: 1,
        count,
        channel: 'x',
        bytes: Uint8Array.of(1),
      })
    const garbage = [
      crypto.getRandomValues(new Uint8Array(40)),
      Uint8Array.of(0x7f, 1, 2),
      encodeFrame({ type: 'data', channel: 'chat', payload: new Uint8Array(4) }).subarray(0, 3),
      Uint8Array.of(6, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0x78, 1),
      fragment(3),
      encodeFrame({ type: 'auth-proof', signature: new Uint8Array(64) }),
      new Uint8Array(0),
    ]
    for (const frame of garbage) raw.send(frame)
    const atA = nextMessage(a)
    b.send('chat', Uint8Array.of(42))
    expect((await atA).data).toEqual(Uint8Array.of(42))
    expect(a.state).toBe('open')
    expect(a.violations).toBe(garbage.length)
    expect(logged.join('\n')).toMatch(/unknown frame type 127/)
    expect(logged.join('\n')).toMatch(/fragment count/)

    const closedA = closeOf(a)
    const closedB = closeOf(b)
    for (let i = 0; i < 10; i++) raw.send(Uint8Array.of(0xee))
    expect((await closedA).reason).toBe('protocol-error')
    expect(await closedB).toMatchObject({ reason: 'remote-close', detail: 'protocol-error' })
  })

  it('round-trips a 3 MB payload through fragments, by send and by sendBulk', async () => {
    const { a, b, pipes } = await linkedPair({ ...quiet }, createMemoryPipePair())
    const payload = crypto.getRandomValues(new Uint8Array(65536)).slice()
    const big = new Uint8Array(3 * 1024 * 1024)
    for (let i = 0; i < big.length; i += payload.length) big.set(payload, i)
    const viaSend = nextMessage(b)
    a.send('files', big)
    const received = await viaSend
    expect(received.channel).toBe('files')
    expect(sameBytes(received.data, big)).toBe(true)

    const mainBytesBefore = (await pipes[0]!.stats()).bytesSent
    const viaBulk = nextMessage(b)
    await a.sendBulk('files', big)
    expect(sameBytes((await viaBulk).data, big)).toBe(true)
    // The bulk payload took the side channel, not the main one.
    expect((await pipes[0]!.stats()).bytesSent - mainBytesBefore).toBeLessThan(100_000)
    a.close()
  })

  it('sends no frame above 16 KiB, however large the pipe allows: heartbeats get a turn', async () => {
    const pipes = createMemoryPipePair({ maxMessageSize: 256 * 1024 })
    const tap = tapPipe(pipes[0])
    const { a, b } = await linkedPair({ ...quiet }, [tap.pipe, pipes[1]])
    const big = new Uint8Array(200 * 1024).fill(7)
    const got = nextMessage(b)
    tap.sent.length = 0
    a.send('files', big)
    expect(sameBytes((await got).data, big)).toBe(true)
    expect(Math.max(...tap.sent.map((frame) => frame.length))).toBeLessThanOrEqual(16 * 1024)
    expect(frameTypes(tap.sent).filter((type) => type === 'fragment').length).toBeGreaterThan(12)
    a.close()
  })

  it('queues instead of overflowing the pipe, and keeps order', async () => {
    const pipes = createMemoryPipePair({ maxMessageSize: 64 * 1024 })
    const tap = tapPipe(pipes[0])
    let highest = 0
    const send = tap.pipe.send.bind(tap.pipe)
    tap.pipe.send = (data) => {
      send(data)
      highest = Math.max(highest, pipes[0].bufferedAmount)
    }
    const { a, b } = await linkedPair({ ...quiet, highWaterMark: 256 * 1024 }, [tap.pipe, pipes[1]])
    const received: number[] = []
    const done = new Promise<void>((resolve) =>
      b.on('message', ({ data }) => {
        received.push(data[0] ?? -1)
        if (received.length === 100) resolve()
      }),
    )
    for (let i = 0; i < 100; i++) a.send('files', new Uint8Array(60 * 1024).fill(i))
    await done
    expect(received).toEqual([...Array(100).keys()])
    expect(highest).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
    a.close()
  })

  it('drops a message above the reassembly cap and keeps going', async () => {
    const ids = await Promise.all([newIdentity(), newIdentity()])
    const [pipeA, pipeB] = createMemoryPipePair({ maxMessageSize: 16 * 1024 })
    const [a, b] = await Promise.all([
      createLink({ pipe: pipeA, identity: ids[0]!, options: quiet }),
      createLink({
        pipe: pipeB,
        identity: ids[1]!,
        options: { ...quiet, maxMessageBytes: 100_000 },
      }),
    ])
    a.send('files', new Uint8Array(200_000))
    const next = nextMessage(b)
    a.send('chat', Uint8Array.of(7))
    expect((await next).data).toEqual(Uint8Array.of(7))
    expect(b.violations).toBeGreaterThan(0)
    expect(b.state).toBe('open')
    a.close()
  })

  it('stays open on heartbeats, measures RTT, and times out a silent peer', async () => {
    const pipes = createMemoryPipePair()
    const tap = tapPipe(pipes[1])
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 500 }
    vi.useFakeTimers()
    const { a, b } = await linkedPair(options, [pipes[0], tap.pipe])
    await advance(800)
    expect(a.state).toBe('open')
    expect(b.state).toBe('open')
    expect(a.silentForMs).toBeLessThan(500)
    expect((await a.stats()).rttMs).toBeGreaterThanOrEqual(0)

    const closed = closeOf(a)
    tap.muted = true
    await advance(400)
    expect(a.state).toBe('open')
    await advance(200)
    expect(a.state).toBe('closed')
    expect((await closed).reason).toBe('timeout')
  })

  it('gives a silent peer on a restartable pipe a path restart instead of closing', async () => {
    const pipes = createMemoryPipePair()
    const fromB = tapPipe(pipes[1])
    const toB = tapPipe(pipes[0])
    let restarts = 0
    toB.pipe.restartPath = () => void restarts++
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    vi.useFakeTimers()
    const { a, b } = await linkedPair({ ...options, pathRestartWindowMs: 5000 }, [
      toB.pipe,
      fromB.pipe,
    ])
    const paths: string[] = []
    a.on('path', ({ state }) => paths.push(state))
    fromB.muted = true
    await advance(900)
    expect(a.state).toBe('open')
    expect(a.path).toBe('restarting')
    expect(restarts).toBe(1)

    fromB.muted = false
    await advance(200)
    expect(a.path).toBe('ok')
    expect(a.pathRecoveries).toBe(1)
    expect(paths).toEqual(['restarting', 'ok'])
    const atA = nextMessage(a)
    b.send('chat', Uint8Array.of(5))
    expect((await atA).data).toEqual(Uint8Array.of(5))
    a.close()
  })

  it('closes a restarting link once the restart window passes in silence', async () => {
    const pipes = createMemoryPipePair()
    const fromB = tapPipe(pipes[1])
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    vi.useFakeTimers()
    const { a } = await linkedPair({ ...options, pathRestartWindowMs: 600 }, [toB.pipe, fromB.pipe])
    const closed = closeOf(a)
    fromB.muted = true
    // Silence (300) plus the restart window (600), less a heartbeat of slack.
    await advance(850)
    expect(a.state).toBe('open')
    await advance(300)
    expect(a.state).toBe('closed')
    const { reason, detail } = await closed
    expect(reason).toBe('timeout')
    expect(detail).toMatch(/ICE restart did not bring the path back/)
  })

  it('keeps restarting past the window while keepRestarting says the peer is around', async () => {
    const pipes = createMemoryPipePair()
    const fromB = tapPipe(pipes[1])
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    let around = true
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    vi.useFakeTimers()
    const { a } = await linkedPair(
      { ...options, pathRestartWindowMs: 300, keepRestarting: () => around },
      [toB.pipe, fromB.pipe],
    )
    const closed = closeOf(a)
    fromB.muted = true
    // Well past silence (300) plus the window (300): only keepRestarting holds the link.
    await advance(1200)
    expect(a.state).toBe('open')
    expect(a.path).toBe('restarting')

    fromB.muted = false
    await advance(200)
    expect(a.path).toBe('ok')
    fromB.muted = true
    await advance(900)
    expect(a.state).toBe('open')
    around = false
    await advance(500)
    expect(a.state).toBe('closed')
    expect((await closed).reason).toBe('timeout')
  })

  it('gives up a held path after pathHoldMaxMs even while keepRestarting says yes', async () => {
    const pipes = createMemoryPipePair()
    const fromB = tapPipe(pipes[1])
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    vi.useFakeTimers()
    const { a } = await linkedPair(
      { ...options, pathRestartWindowMs: 200, pathHoldMaxMs: 700, keepRestarting: () => true },
      [toB.pipe, fromB.pipe],
    )
    const closed = closeOf(a)
    fromB.muted = true
    // Silence (300) plus the longest hold (700), less a heartbeat of slack.
    await advance(950)
    expect(a.state).toBe('open')
    await advance(300)
    expect(a.state).toBe('closed')
    expect((await closed).reason).toBe('timeout')
  })

  it("enters 'restarting' at once when the pipe reports its path lost", async () => {
    const pipes = createMemoryPipePair()
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    const { a } = await linkedPair(quiet, [toB.pipe, pipes[1]])
    ;(pipes[0] as unknown as { emit(event: 'path', value: { state: string }): void }).emit('path', {
      state: 'interrupted',
    })
    expect(a.path).toBe('restarting')
    a.close()
  })

  it("says when the pipe's path is back while it still hears nothing ('path-back')", async () => {
    const pipes = createMemoryPipePair()
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    const { a } = await linkedPair(quiet, [toB.pipe, pipes[1]])
    const report = (state: string) =>
      (pipes[0] as unknown as { emit(event: 'path', value: { state: string }): void }).emit(
        'path',
        { state },
      )
    let back = 0
    a.on('path-back', () => back++)
    report('ok') // nothing was lost: nothing to say
    expect(back).toBe(0)
    report('interrupted')
    report('ok')
    expect(back).toBe(1)
    expect(a.path).toBe('restarting') // until a frame comes
    a.close()
  })

  it('keeps a lost path restarting while it hears the peer but the peer hears nothing of it', async () => {
    // After an outage one direction may come back seconds before the other (the transport's
    // retransmission timer): the path is back only once a ping sent since the loss is answered.
    const pipes = createMemoryPipePair()
    const toB = tapPipe(pipes[0])
    toB.pipe.restartPath = () => {}
    const options = { ...quiet, heartbeatIntervalMs: 50, offlineAfterMs: 300 }
    vi.useFakeTimers()
    const { a } = await linkedPair({ ...options, pathRestartWindowMs: 5000 }, [toB.pipe, pipes[1]])
    const report = (state: string) =>
      (pipes[0] as unknown as { emit(event: 'path', value: { state: string }): void }).emit(
        'path',
        { state },
      )
    toB.muted = true
    report('interrupted')
    report('ok')
    await advance(250)
    expect(a.silentForMs).toBeLessThan(100) // the peer's heartbeats arrive
    expect(a.path).toBe('restarting')
    toB.muted = false
    await advance(150)
    expect(a.path).toBe('ok')
    expect(a.pathRecoveries).toBe(1)
    a.close()
  })

  it('closing one side closes the other with the reason', async () => {
    const { a, b } = await linkedPair()
    const closed = closeOf(b)
    a.close('leaving the workplace')
    expect(await closed).toEqual({ reason: 'remote-close', detail: 'leaving the workplace' })
    expect(a.state).toBe('closed')
    a.send('chat', Uint8Array.of(1)) // a closed link drops, never throws
    await expect(a.sendBulk('chat', Uint8Array.of(1))).rejects.toThrow(/closed/)
  })
})
