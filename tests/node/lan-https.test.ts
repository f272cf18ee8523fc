import { mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { silentLogger } from '../../signaling/config.ts'
import { loadOrCreateLanTls } from '../../signaling/lan-tls.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'

const dir = mkdtempSync(join(tmpdir(), 'peerplace-tls-'))
let server: SignalingServer | undefined
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** GET over HTTPS trusting only `ca`; rejects on a certificate error. */
function fetchTrusting(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

describe('HTTPS on the LAN', () => {
  it('serves app, relay and CA certificate over TLS that a device trusting the CA accepts', async () => {
    const tls = await loadOrCreateLanTls(dir, ['192.0.2.10'])
    expect(tls.names).toContain('192.0.2.10')
    expect(tls.caFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    server = await createSignalingServer({ logger: silentLogger, peerjs: false, tls })
    expect(server.address.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
    expect(server.relayUrl).toMatch(/^wss:\/\//)

    const health = await fetchTrusting(new URL('/healthz', server.address.url).href, tls.caCert)
    expect(health).toEqual({ status: 200, body: 'ok' })
    const ca = await fetchTrusting(
      new URL('/peerplace-ca.crt', server.address.url).href,
      tls.caCert,
    )
    expect(ca.body).toBe(tls.caCert)

    const socket = new WebSocket(server.relayUrl, { ca: tls.caCert })
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data: Buffer) => resolve(data.toString()))
      socket.once('error', reject)
    })
    socket.close()
    expect(JSON.parse(first)).toMatchObject({ type: 'challenge' })

    // Without the CA, the certificate is refused: it is not a publicly trusted one.
    await expect(fetchTrusting(new URL('/healthz', server.address.url).href, '')).rejects.toThrow(
      /certificate/,
    )
  })

  it('keeps its certificates across runs, and makes a new one for a new address', async () => {
    const first = await loadOrCreateLanTls(dir, ['192.0.2.10'])
    const again = await loadOrCreateLanTls(dir, ['192.0.2.10'])
    expect(again.cert).toBe(first.cert)
    const moved = await loadOrCreateLanTls(dir, ['192.0.2.77'])
    expect(moved.cert).not.toBe(first.cert)
    expect(moved.caCert).toBe(first.caCert)
  })
})
