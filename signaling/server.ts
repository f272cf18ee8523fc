import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { RELAY_PATH } from '../src/peer/signaling/relay-protocol.ts'
import { createHttpHardening } from './http-hardening.ts'
import { addressGroup, clientAddress, nearbyRoom } from './client-address.ts'
import { DEFAULT_LIMITS, consoleLogger, type Logger, type RelayLimits } from './config.ts'
import { ConnectionSlots } from './connection-slots.ts'
import { rateLimitedLogger } from './log-limiter.ts'
import { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './peerjs-frames.ts'
import { ICE_SERVERS_PATH } from '../src/peer/signaling/ice-announcement.ts'
import { serveIceAnnouncement, type IceOptions } from './ice-announcer.ts'
import { mountPeerJs, type PeerJsMount } from './peerjs-mount.ts'
import { MemoryBusNetwork } from './memory-bus.ts'
import type { RelayBus } from './relay-bus.ts'
import { RelayHub } from './relay-hub.ts'
import { RelayMetrics } from './relay-metrics.ts'
import { createRedisBus } from './redis-bus.ts'
import { RelaySession } from './relay-session.ts'
import { createStaticHandler } from './static-files.ts'

export const PEERJS_PATH = '/peerjs'

const TRY_AGAIN_LATER = 1013

export interface SignalingServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Serve this built app too (SPA fallback to index.html). */
  staticDir?: string
  limits?: Partial<RelayLimits>
  /** Interval of WebSocket pings; a socket that misses one is dropped. Default 30 s. */
  heartbeatMs?: number
  /** Take the client's address from X-Forwarded-For (only behind your own reverse proxy). */
  trustProxy?: boolean
  /** Embed the PeerJS broker at /peerjs. Default true. */
  peerjs?: boolean
  /**
   * The broker refuses IDs not proven with their device key (peerjs-id-proof.ts). Default
   * true; false only for tests of clients that have no key.
   */
  peerjsIdProof?: boolean
  brokerLimits?: Partial<BrokerLimits>
  /**
   * Where the served app may connect besides its own origin (its CSP's connect-src). Default:
   * any https:/wss: endpoint, since relays and brokers are chosen in the app's settings.
   */
  connectSources?: readonly string[]
  /** Origins other than this server's that may use its HTTP APIs (the broker's peer list). */
  allowedOrigins?: readonly string[]
  logger?: Logger
  /** The ICE servers announced at /ice-servers. Default: none (an empty list). */
  ice?: IceOptions
  /** Serve HTTPS/WSS with this key and certificate; `caCert` is offered at /peerplace-ca.crt. */
  tls?: { key: string; cert: string; caCert?: string }
  /** Share topics with other instances through this Redis, e.g. "redis://127.0.0.1:6379". */
  redisUrl?: string
  /** Share topics through this bus instead (tests); the server closes it when it closes. */
  bus?: RelayBus
}

export interface SignalingServer {
  /** `url` is the HTTP origin with a trailing slash, e.g. "http://127.0.0.1:8787/". */
  readonly address: { host: string; port: number; url: string }
  /** The relay's WebSocket URL, e.g. "ws://127.0.0.1:8787/relay". */
  readonly relayUrl: string
  /** Disconnects every client and stops listening. */
  close(): Promise<void>
}

/** Starts the relay (and optionally the app and the PeerJS broker) on one HTTP server. */
export async function createSignalingServer(
  options: SignalingServerOptions = {},
): Promise<SignalingServer> {
  const logger = options.logger ?? consoleLogger
  // What clients cause is logged at a bounded rate, so they cannot flood the log.
  const quietLogger = rateLimitedLogger(logger, 60)
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const trustProxy = options.trustProxy ?? false
  const serveStatic = options.staticDir ? createStaticHandler(options.staticDir) : undefined
  const indexHtml = options.staticDir ? join(options.staticDir, 'index.html') : undefined
  const hardening = createHttpHardening({
    trustProxy,
    ...(indexHtml && existsSync(indexHtml) ? { indexHtml } : {}),
    ...(options.connectSources ? { connectSources: options.connectSources } : {}),
  })
  const bus =
    options.bus ??
    (options.redisUrl
      ? await createRedisBus({ url: options.redisUrl, logger })
      : new MemoryBusNetwork().bus())
  const sessions = new Set<RelaySession>()
  const metrics: RelayMetrics = new RelayMetrics({
    connections: () => sessions.size,
    authenticated: () => hub.size,
    rooms: () => hub.roomCount,
    busState: () => bus.state,
  })
  const hub: RelayHub = new RelayHub({ bus, logger: quietLogger, metrics })
  const ice = options.ice ?? {}
  const slots = new ConnectionSlots(limits)

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    hardening.secure(request, response)
    handleRequest(request, response).catch((error: unknown) => {
      logger.error(`request ${request.url} failed`, error)
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  }
  const tls = options.tls
  const server = tls
    ? createTlsServer({ key: tls.key, cert: tls.cert }, handler)
    : createServer(handler)
  server.on('clientError', (error, socket) => hardening.clientError(error, socket))

  const peerjs: PeerJsMount | undefined =
    options.peerjs === false
      ? undefined
      : mountPeerJs(server, {
          path: PEERJS_PATH,
          logger: quietLogger,
          limits: { ...DEFAULT_BROKER_LIMITS, ...options.brokerLimits },
          requireIdProof: options.peerjsIdProof ?? true,
          allowedOrigins: options.allowedOrigins ?? [],
        })

  // Frames a bit over the limit get a clear "too-large"; far larger ones are cut by ws (1009).
  const relay = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes * 4 })
  relay.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const address = clientAddress(request, trustProxy)
    const group = addressGroup(address)
    const refusal = slots.acquire(group)
    if (refusal) {
      socket.on('error', () => {})
      socket.send(JSON.stringify({ type: 'error', ...refusal }))
      socket.close(TRY_AGAIN_LATER, refusal.code)
      return
    }
    const session = new RelaySession({
      socket,
      hub,
      limits,
      logger: quietLogger,
      metrics,
      address,
      nearbyRoom: nearbyRoom(address),
      onAuthenticated: () => slots.authenticated(group),
      onClose: (pending) => {
        sessions.delete(session)
        slots.release(group, pending)
      },
    })
    sessions.add(session)
  })

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client may reset its connection at any moment (say, a browser giving up on an endpoint
    // this server does not serve): an 'error' with no listener would end the whole process.
    socket.on('error', (error) => quietLogger.debug(`upgrade socket: ${error.message}`))
    const pathname = pathOf(request)
    if (pathname === RELAY_PATH) {
      relay.handleUpgrade(request, socket, head, (ws) => relay.emit('connection', ws, request))
    } else if (peerjs?.owns(pathname)) {
      peerjs.handleUpgrade(request, socket, head, clientAddress(request, trustProxy))
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
    }
  })

  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat()
  }, options.heartbeatMs ?? 30_000)

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = pathOf(request)
    if (peerjs?.owns(pathname)) return peerjs.handleRequest(request, response)
    if (pathname === RELAY_PATH) return plain(response, 426, 'This is a WebSocket endpoint.')
    if (pathname === '/healthz') return health(response)
    if (pathname === '/metrics') {
      const text = await metrics.text()
      response.writeHead(200, { 'Content-Type': metrics.contentType }).end(text)
      return
    }
    if (hardening.shareTarget(request, response, pathname)) return
    if (pathname === ICE_SERVERS_PATH) return serveIceAnnouncement(ice, request, response)
    if (pathname === '/peerplace-ca.crt' && tls?.caCert) {
      response.writeHead(200, { 'Content-Type': 'application/x-x509-ca-cert' }).end(tls.caCert)
      return
    }
    if (serveStatic && (await serveStatic(request, response, pathname))) return
    if (!serveStatic && pathname === '/') {
      return plain(response, 200, `Peerplace signaling relay: ${RELAY_PATH}, ${PEERJS_PATH}`)
    }
    plain(response, 404, 'Not found')
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (error) => logger.error('server error', error))

  const { address: host, port } = server.address() as AddressInfo
  const origin = `${formatHost(host)}:${port}`
  logger.debug(`listening on ${origin}`)

  let closing: Promise<void> | undefined
  /** 200 while this instance can serve clients (degraded when the shared bus is down). */
  function health(response: ServerResponse): void {
    if (closing) return plain(response, 503, 'closing')
    if (bus.state === 'down') {
      return plain(response, 200, 'degraded: the shared bus is unreachable; serving own clients')
    }
    plain(response, 200, 'ok')
  }

  return {
    address: { host, port, url: `${tls ? 'https' : 'http'}://${origin}/` },
    relayUrl: `${tls ? 'wss' : 'ws'}://${origin}${RELAY_PATH}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat)
        for (const session of sessions) session.shutdown()
        for (const socket of relay.clients) socket.terminate()
        hub.departAll()
        relay.close()
        peerjs?.close()
        const closed = new Promise<void>((done) => server.close(() => done()))
        server.closeAllConnections()
        void Promise.all([closed, bus.close()]).then(() => resolve())
      })
      return closing
    },
  }
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'http://relay').pathname
  } catch {
    return '/'
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text)
}

/** A host for URLs: the wildcard addresses become localhost, IPv6 gets brackets. */
function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}
