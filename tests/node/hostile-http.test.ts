import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'

let server: SignalingServer
let dir: string
const INLINE = 'window.booted = true'

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerplace-http-'))
  await writeFile(
    join(dir, 'index.html'),
    `<!doctype html><title>t</title><script>${INLINE}</script><script type="module" src="/a.js"></script>`,
  )
  server = await createSignalingServer({ logger: silentLogger, staticDir: dir })
})

afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const get = (path: string, init?: RequestInit): Promise<Response> =>
  fetch(new URL(path, server.address.url), init)

/** Sends raw bytes and returns the status line the server answers with. */
function rawStatusLine(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.address.port, server.address.host)
    let answer = ''
    const timer = setTimeout(() => reject(new Error(`no answer; got "${answer}"`)), 5000)
    socket.on('data', (chunk) => (answer += String(chunk)))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer.split('\r\n')[0] ?? '')
    })
    socket.write(request)
  })
}

describe('HTTP hardening', () => {
  it('sends a CSP that allows only its own and hashed scripts, and no framing', async () => {
    const response = await get('/')
    const csp = response.headers.get('content-security-policy') ?? ''
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/)
        return [name, values] as const
      }),
    )
    const hash = `'sha256-${createHash('sha256').update(INLINE).digest('base64')}'`
    expect(directives.get('script-src')).toEqual([
      "'self'",
      "'wasm-unsafe-eval'",
      "'report-sample'",
      hash,
    ])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('connect-src')?.[0]).toBe("'self'")
  })

  it('sends nosniff on every response, and no X-Powered-By', async () => {
    for (const path of ['/', '/healthz', '/missing.js', '/relay', '/peerjs', '/peerjs/peerjs/id']) {
      const response = await get(path)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('x-powered-by'), path).toBeNull()
      expect(response.headers.get('content-security-policy'), path).toContain('frame-ancestors')
    }
  })

  it('answers oversized headers with 431 and garbage with 400, and keeps serving', async () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`
    expect(await rawStatusLine(big)).toBe('HTTP/1.1 431 Request Header Fields Too Large')
    expect(await rawStatusLine('NONSENSE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request')
    expect((await get('/healthz')).status).toBe(200)
  })

  it('answers the share target POST with a redirect to the app when no worker took it', async () => {
    const form = new FormData()
    form.set('text', 'shared')
    const response = await get('/share-target', { method: 'POST', body: form, redirect: 'manual' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/')
  })
})
