import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { isCompressible, precompressedVariant } from './precompressed.ts'

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

/** Files that must be revalidated on every load, so a new version is picked up. */
const ALWAYS_REVALIDATE = new Set([
  '/index.html',
  '/sw.js',
  '/registerSW.js',
  '/manifest.webmanifest',
])

/**
 * Serves a built single-page app from `root`: files by path, and index.html for any other
 * path without a file extension (client-side routes). Resolves to false when it has nothing to
 * say, so the caller can answer 404.
 */
export function createStaticHandler(
  root: string,
): (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean> {
  const base = resolve(root)
  const index = join(base, 'index.html')
  return async (request, response, pathname) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false
    let relative: string
    try {
      relative = decodeURIComponent(pathname)
    } catch {
      return false
    }
    if (relative.includes('\0')) return false
    if (relative.endsWith('/')) relative += 'index.html'
    const file = resolve(base, '.' + normalize(relative))
    if (file !== base && !file.startsWith(base + sep)) return false

    // Client-side routes have no extension; a missing asset stays a 404.
    const found = (await fileInfo(file)) ?? (extname(relative) ? undefined : await fileInfo(index))
    if (!found) return false
    const servedPath = found.path === file ? relative : '/index.html'
    const { path, size, mtime, encoding } = await precompressedVariant(
      found,
      request.headers['accept-encoding'],
    )

    const etag = `"${size.toString(36)}-${mtime.toString(36)}${encoding ? `-${encoding}` : ''}"`
    response.setHeader(
      'Content-Type',
      MIME_TYPES[extname(found.path)] ?? 'application/octet-stream',
    )
    response.setHeader('X-Content-Type-Options', 'nosniff')
    if (isCompressible(found.path)) response.setHeader('Vary', 'Accept-Encoding')
    if (encoding) response.setHeader('Content-Encoding', encoding)
    response.setHeader('ETag', etag)
    response.setHeader(
      'Cache-Control',
      servedPath.startsWith('/assets/') && !ALWAYS_REVALIDATE.has(servedPath)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    )
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304).end()
      return true
    }
    response.setHeader('Content-Length', size)
    if (request.method === 'HEAD') {
      response.writeHead(200).end()
      return true
    }
    response.writeHead(200)
    createReadStream(path)
      .on('error', () => response.destroy())
      .pipe(response)
    return true
  }
}

async function fileInfo(
  path: string,
): Promise<{ path: string; size: number; mtime: number } | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size, mtime: Math.floor(info.mtimeMs) } : undefined
  } catch {
    return undefined
  }
}
