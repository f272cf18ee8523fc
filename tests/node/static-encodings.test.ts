import { request } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptedEncodings } from '../../signaling/precompressed.ts'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { precompressFiles } from '../../scripts/precompress.ts'

let server: SignalingServer
let root: string
let written: string[]
const script = `export const words = ${JSON.stringify('peerplace '.repeat(400))}\n`
const html = `<!doctype html><title>Peerplace test</title><p>${'hello '.repeat(300)}</p>`
const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(4096)])
const png = Buffer.alloc(4096, 7)

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peerplace-encodings-'))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), html)
  await writeFile(join(root, 'sw.js'), `self.x = ${JSON.stringify('a'.repeat(2000))}`)
  await writeFile(join(root, 'assets', 'index-abc123.js'), script)
  await writeFile(join(root, 'assets', 'core-abc123.wasm'), wasm)
  await writeFile(join(root, 'assets', 'tiny-abc123.js'), 'export {}')
  await writeFile(join(root, 'assets', 'icon-abc123.png'), png)
  written = await precompressFiles(root, [
    'index.html',
    'sw.js',
    'assets/index-abc123.js',
    'assets/core-abc123.wasm',
    'assets/tiny-abc123.js',
    'assets/icon-abc123.png',
  ])
  server = await createSignalingServer({ logger: silentLogger, staticDir: root, peerjs: false })
})

afterAll(async () => {
  await server.close()
  await rm(root, { recursive: true, force: true })
})

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** A GET that neither sends nor decodes an encoding by itself (unlike fetch). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.address.url), { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

describe('precompressing a build', () => {
  it('writes .br and .gz beside compressible files of 1 KiB or more, only', () => {
    expect(written).toEqual([
      'assets/core-abc123.wasm.br',
      'assets/core-abc123.wasm.gz',
      'assets/index-abc123.js.br',
      'assets/index-abc123.js.gz',
      'index.html.br',
      'index.html.gz',
      'sw.js.br',
      'sw.js.gz',
    ])
  })

  it('writes variants that decode to the original bytes', async () => {
    const original = await readFile(join(root, 'assets', 'core-abc123.wasm'))
    expect(
      brotliDecompressSync(await readFile(join(root, 'assets', 'core-abc123.wasm.br'))),
    ).toEqual(original)
    expect(gunzipSync(await readFile(join(root, 'assets', 'core-abc123.wasm.gz')))).toEqual(
      original,
    )
  })
})

describe('serving precompressed files', () => {
  it('sends brotli to a client that accepts it, with the original type', async () => {
    const res = await rawGet('/assets/index-abc123.js', { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['content-type']).toMatch(/^text\/javascript/)
    expect(res.headers['vary']).toBe('Accept-Encoding')
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
    expect(res.body.length).toBeLessThan(script.length / 4)
    expect(brotliDecompressSync(res.body).toString()).toBe(script)
  })

  it('sends gzip when brotli is not accepted, or refused with q=0', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip;q=0.8', 'br;q=0, *']) {
      const res = await rawGet('/assets/core-abc123.wasm', { 'Accept-Encoding': accept })
      expect(res.headers['content-encoding'], accept).toBe('gzip')
      expect(res.headers['content-type']).toBe('application/wasm')
      expect(gunzipSync(res.body)).toEqual(wasm)
    }
  })

  it('sends the plain file, still marked Vary, when no encoding is accepted', async () => {
    for (const headers of [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': '*;q=0' }]) {
      const res = await rawGet('/assets/core-abc123.wasm', headers)
      expect(res.headers['content-encoding']).toBeUndefined()
      expect(res.headers['vary']).toBe('Accept-Encoding')
      expect(res.body).toEqual(wasm)
    }
  })

  it('serves index.html compressed for client-side routes too, never cached stale', async () => {
    for (const path of ['/', '/w/some-workplace']) {
      const res = await rawGet(path, { 'Accept-Encoding': 'br' })
      expect(res.headers['content-encoding']).toBe('br')
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(brotliDecompressSync(res.body).toString()).toBe(html)
    }
    const sw = await rawGet('/sw.js', { 'Accept-Encoding': 'gzip' })
    expect(sw.headers['content-encoding']).toBe('gzip')
    expect(sw.headers['cache-control']).toBe('no-cache')
  })

  it('marks hashed assets immutable for a year, whatever the encoding', async () => {
    for (const accept of ['br', 'gzip', 'identity']) {
      const res = await rawGet('/assets/index-abc123.js', { 'Accept-Encoding': accept })
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    }
  })

  it('gives each encoding its own ETag and revalidates it', async () => {
    const br = await rawGet('/assets/index-abc123.js', { 'Accept-Encoding': 'br' })
    const plain = await rawGet('/assets/index-abc123.js')
    expect(br.headers['etag']).not.toBe(plain.headers['etag'])
    const again = await rawGet('/assets/index-abc123.js', {
      'Accept-Encoding': 'br',
      'If-None-Match': String(br.headers['etag']),
    })
    expect(again.status).toBe(304)
  })

  it('sends files without variants, and non-compressible types, as they are', async () => {
    const tiny = await rawGet('/assets/tiny-abc123.js', { 'Accept-Encoding': 'br, gzip' })
    expect(tiny.headers['content-encoding']).toBeUndefined()
    expect(tiny.body.toString()).toBe('export {}')
    const image = await rawGet('/assets/icon-abc123.png', { 'Accept-Encoding': 'br, gzip' })
    expect(image.headers['content-encoding']).toBeUndefined()
    expect(image.headers['vary']).toBeUndefined()
    expect(image.body).toEqual(png)
  })

  it('ignores a variant older than its file, so a stale leftover never hides a new build', async () => {
    const file = join(root, 'assets', 'index-abc123.js')
    const old = new Date(Date.now() - 60_000)
    await utimes(`${file}.br`, old, old)
    const res = await rawGet('/assets/index-abc123.js', { 'Accept-Encoding': 'br' })
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.body.toString()).toBe(script)
  })
})

describe('Accept-Encoding', () => {
  it('follows q-values and the * wildcard', () => {
    expect([...acceptedEncodings('gzip, deflate, br')].sort()).toEqual(['br', 'gzip'])
    expect([...acceptedEncodings('br;q=0, gzip')]).toEqual(['gzip'])
    expect([...acceptedEncodings('*')].sort()).toEqual(['br', 'gzip'])
    expect([...acceptedEncodings('*, gzip;q=0')]).toEqual(['br'])
    expect([...acceptedEncodings('BR; Q=0.5')]).toEqual(['br'])
    expect([...acceptedEncodings(undefined)]).toEqual([])
    expect([...acceptedEncodings('identity')]).toEqual([])
  })
})
