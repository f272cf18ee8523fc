import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The HTTP side of the server's defences: security headers on every response (a CSP the built
 * app passes), clear answers to malformed or oversized requests, and the PWA share target's
 * POST when no service worker took it.
 */
export interface HttpHardening {
  /** Sets the security headers; call before anything is written. */
  secure(request: IncomingMessage, response: ServerResponse): void
  /** Answers a request the HTTP parser refused: 431 for oversized headers, else 400. */
  clientError(error: Error & { code?: string }, socket: Duplex): void
  /** Answers the share target's POST (true), or leaves the request alone (false). */
  shareTarget(request: IncomingMessage, response: ServerResponse, pathname: string): boolean
}

export interface HttpHardeningOptions {
  /** The built app's index.html: its inline scripts, if any, are allowed by their hashes. */
  indexHtml?: string
  /**
   * Where the app may connect besides its own origin. By default any https:/wss: endpoint
   * (and http:/ws: for a page served over plain HTTP), since relays and brokers are chosen in
   * the app's settings; list them here to pin them down.
   */
  connectSources?: readonly string[]
  /** Trust X-Forwarded-Proto (behind your own reverse proxy). */
  trustProxy: boolean
}

/** Where the manifest's share_target posts (src/pwa/share-inbox.ts, relative to scope "/"). */
const SHARE_TARGET_PATH = '/share-target'

export function createHttpHardening(options: HttpHardeningOptions): HttpHardening {
  const scripts = options.indexHtml
    ? inlineScriptHashes(readFileSync(options.indexHtml, 'utf8'))
    : []
  const policy = (insecure: boolean): string => {
    const connect =
      options.connectSources !== undefined
        ? [...options.connectSources]
        : insecure
          ? ['https:', 'wss:', 'http:', 'ws:']
          : ['https:', 'wss:']
    return [
      "default-src 'self'",
      // 'report-sample' names what was blocked in violation reports (the tests read them).
      `script-src 'self' 'wasm-unsafe-eval' 'report-sample'${scripts.map((hash) => ` '${hash}'`).join('')}`,
      // Svelte sets style attributes from its templates.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      `connect-src 'self' ${connect.join(' ')}`.trim(),
      "worker-src 'self'",
      "manifest-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ')
  }
  const policies = { secure: policy(false), insecure: policy(true) }

  return {
    secure(request, response) {
      const proto = options.trustProxy ? request.headers['x-forwarded-proto'] : undefined
      const overTls = proto === 'https' || 'encrypted' in request.socket
      response.setHeader('Content-Security-Policy', overTls ? policies.secure : policies.insecure)
      response.setHeader('X-Content-Type-Options', 'nosniff')
      response.setHeader('Referrer-Policy', 'no-referrer')
      response.setHeader('X-Frame-Options', 'DENY')
    },
    clientError(error, socket) {
      if (!socket.writable) return void socket.destroy()
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    },
    shareTarget(request, response, pathname) {
      if (request.method !== 'POST' || pathname !== SHARE_TARGET_PATH) return false
      // The service worker stores shared items; without it there is nowhere to keep them, so
      // the body is not read and the app opens as it would from its icon.
      response.writeHead(303, { Location: '/', Connection: 'close', 'Content-Length': 0 })
      response.end()
      request.resume()
      return true
    },
  }
}

/** CSP hashes ('sha256-…') of the inline scripts of an HTML page. */
function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = []
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes = '', body = ''] = match
    if (/\bsrc\s*=/i.test(attributes)) continue
    hashes.push(`sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}`)
  }
  return hashes
}
