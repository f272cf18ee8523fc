import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { brokerIdProof } from '../../src/peer/signaling/peerjs-id-proof.ts'
import { mainPeerJsId } from '../../src/peer/signaling/peerjs-presence.ts'
import { createTestIdentity } from '../support/test-identity.ts'

let server: SignalingServer
let root: string
let dir: string
const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peerplace-static-'))
  dir = join(root, 'app')
  await mkdir(join(dir, 'assets'), { recursive: true })
  await writeFile(join(root, 'secret.txt'), 'not for the web')
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Peerplace test</title>')
  await writeFile(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(dir, 'manifest.webmanifest'), '{"name":"Peerplace"}')
  await writeFile(join(dir, 'assets', 'automerge-abc123.wasm'), WASM)
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
  server = await createSignalingServer({ logger: silentLogger, staticDir: dir })
})

afterAll(async () => {
  await server.close()
  await rm(root, { recursive: true, force: true })
})

const get = (path: string, init?: RequestInit): Promise<Response> =>
  fetch(new URL(path, server.address.url), init)

describe('static app serving', () => {
  it('serves index.html at / and for client-side routes, never cached stale', async () => {
    for (const path of ['/', '/w/some-workplace', '/settings']) {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(await response.text()).toContain('Peerplace test')
    }
  })

  it('serves wasm with its MIME type and hashed assets as immutable', async () => {
    const response = await get('/assets/automerge-abc123.wasm')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/wasm')
    expect(response.headers.get('cache-control')).toContain('immutable')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(WASM)
    expect((await get('/assets/index-abc123.js')).headers.get('content-type')).toMatch(
      /^text\/javascript/,
    )
  })

  it('serves the service worker and the manifest uncached, with the right types', async () => {
    const sw = await get('/sw.js')
    expect(sw.headers.get('cache-control')).toBe('no-cache')
    const manifest = await get('/manifest.webmanifest')
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json')
  })

  it('answers 404 for missing files and refuses to leave the directory', async () => {
    expect((await get('/assets/missing.js')).status).toBe(404)
    for (const path of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await get(path)
      expect(response.status).toBe(404)
      expect(await response.text()).not.toContain('not for the web')
    }
  })

  it('revalidates with ETags', async () => {
    const first = await get('/assets/index-abc123.js')
    const etag = first.headers.get('etag')
    expect(etag).toBeTruthy()
    const second = await get('/assets/index-abc123.js', { headers: { 'If-None-Match': etag! } })
    expect(second.status).toBe(304)
  })

  it('tells plain HTTP requests to /relay to upgrade', async () => {
    expect((await get('/relay')).status).toBe(426)
  })
})

describe('embedded PeerJS broker', () => {
  it('describes itself at /peerjs and hands out ids', async () => {
    const description = await get('/peerjs')
    expect(description.status).toBe(200)
    expect(await description.json()).toMatchObject({ name: expect.stringMatching(/peerjs/i) })
    const id = await get('/peerjs/peerjs/id')
    expect(id.status).toBe(200)
    expect((await id.text()).length).toBeGreaterThan(8)
  })

  it('accepts PeerJS WebSocket clients that prove their ID, and lists them by ID', async () => {
    const identity = await createTestIdentity()
    const id = mainPeerJsId(identity.peerId)
    const url = new URL('/peerjs/peerjs', server.relayUrl)
    const token = await brokerIdProof(identity, url.hostname)
    url.search = new URLSearchParams({ key: 'peerjs', id, token }).toString()
    const socket = new WebSocket(url)
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)))
      socket.once('error', reject)
    })
    expect(JSON.parse(first)).toEqual({ type: 'OPEN' })
    const peers = await (await get(`/peerjs/peerjs/peers?id=${id}`)).json()
    expect(peers).toEqual([id])
    socket.close()
  })
})
