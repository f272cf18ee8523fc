import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIceSource } from '../../src/app/ice-source.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const PEER = 'abcdefghijklmnopqrstuvwxyz234567' as PeerId

function announcing(bodies: unknown[]): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = []
  const fetch = (async (url: string) => {
    urls.push(url)
    const body = bodies[Math.min(urls.length - 1, bodies.length - 1)]
    return new Response(JSON.stringify(body), { status: 200 })
  }) as unknown as typeof globalThis.fetch
  return { fetch, urls }
}

const turn = (user: string) => ({
  v: 1,
  iceServers: [{ urls: ['turn:t.example:3478'], username: user, credential: 'c' }],
  ttlSeconds: 3600,
})

describe('ICE source', () => {
  afterEach(() => vi.useRealTimers())

  it('uses what the server announces and fetches again before the credentials expire', async () => {
    vi.useFakeTimers()
    const { fetch, urls } = announcing([turn('first'), turn('second')])
    const settings = { iceServers: [], relayOnly: true }
    const source = createIceSource({ settings, server: 'wss://x.example/relay', peer: PEER, fetch })
    await source.ready
    expect(urls[0]).toBe(`https://x.example/ice-servers?peer=${PEER}`)
    expect(source.origin).toBe('server')
    expect(source.current().iceServers[0]?.username).toBe('first')
    expect(source.current().iceTransportPolicy).toBe('relay')
    await vi.advanceTimersByTimeAsync(1_800_000)
    expect(source.current().iceServers[0]?.username).toBe('second')
    source.close()
  })

  it("prefers the device's own settings and does not ask the server", async () => {
    const { fetch, urls } = announcing([turn('server')])
    const own = [{ urls: 'stun:mine.example:3478' }]
    const settings = { iceServers: own, relayOnly: false }
    const source = createIceSource({ settings, server: 'https://x.example/', peer: PEER, fetch })
    await source.ready
    expect(urls).toHaveLength(0)
    expect(source.current()).toEqual({ iceServers: own, iceTransportPolicy: 'all' })
    expect(source.origin).toBe('settings')
    source.close()
  })

  it('rejects a malformed announcement with a reason and keeps none', async () => {
    const { fetch } = announcing([{ v: 1, iceServers: [{ urls: 'javascript:x' }], ttlSeconds: 1 }])
    const settings = { iceServers: [], relayOnly: false }
    const source = createIceSource({ settings, server: 'https://x.example/', peer: PEER, fetch })
    await source.ready
    expect(source.current().iceServers).toEqual([])
    expect(source.origin).toBe('none')
    expect(source.problem).toMatch(/bad url/)
    source.close()
  })
})
