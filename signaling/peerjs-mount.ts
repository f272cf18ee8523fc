import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import express from 'express'
import { ExpressPeerServer } from 'peer'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'
import {
  BROKER_ID_TAKEN_OVER,
  BROKER_TAKEN_OVER_CODE,
  verifyBrokerIdProof,
} from '../src/peer/signaling/peerjs-id-proof.ts'
import { addressGroup } from './client-address.ts'
import type { Logger } from './config.ts'
import type { BrokerLimits } from './peerjs-frames.ts'
import { GuardedBrokerSocket } from './peerjs-socket-guard.ts'

/** The embedded PeerJS broker: its HTTP API and its WebSocket, both under `path`. */
export interface PeerJsMount {
  /** True for the requests and upgrades that belong to the broker. */
  owns(pathname: string): boolean
  handleRequest(request: IncomingMessage, response: ServerResponse): void
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, address: string): void
  close(): void
}

export interface PeerJsMountOptions {
  /** e.g. "/peerjs": its API answers there and its clients connect to `${path}/peerjs`. */
  path: string
  logger: Logger
  limits: BrokerLimits
  /** Every broker ID must be proven with its device's key (peerjs-id-proof.ts). */
  requireIdProof: boolean
  /** Origins other than the server's own that may call the broker's HTTP API. */
  allowedOrigins: readonly string[]
}

const KEY = 'peerjs'
const POLICY_VIOLATION = 1008
const TRY_AGAIN_LATER = 1013
/** What a client may ask the peer list for: one topic's presence IDs, or one main ID. */
const PRESENCE_PREFIX = /^pp[a-z2-7]{16}-$/

/**
 * Mounts the `peer` package's server. It gets its own WebSocket server without a listener of
 * its own, so the relay's upgrades stay ours; each client socket reaches it only after its ID
 * proof checked out, wrapped in a GuardedBrokerSocket. Its peer list (discovery) is ours too:
 * it answers only for one topic's prefix or one ID, not with every client.
 */
export function mountPeerJs(server: Server, options: PeerJsMountOptions): PeerJsMount {
  const { path, logger, limits } = options
  let sockets: WebSocketServer | undefined
  const registered = new Set<string>()
  /** The admitted socket of each ID, with the token it came with. */
  const held = new Map<string, { socket: GuardedBrokerSocket; token: string }>()
  const perGroup = new Map<string, number>()
  const app = ExpressPeerServer(server, {
    path,
    key: KEY,
    allow_discovery: false,
    corsOptions: {
      origin: options.allowedOrigins.length > 0 ? [...options.allowedOrigins] : false,
    },
    createWebSocketServer: ({ server: _server, ...wsOptions }: ServerOptions) =>
      (sockets = new WebSocketServer({ ...wsOptions, noServer: true, maxPayload: 64 * 1024 })),
  })
  app.disable('x-powered-by')
  app.on('error', (error: Error) => logger.warn(`peerjs: ${error.message}`))
  app.on('connection', (client: { getId(): string }) => registered.add(client.getId()))
  app.on('disconnect', (client: { getId(): string }) => registered.delete(client.getId()))
  // The package finishes its setup when an Express app mounts it.
  const parent = express()
  parent.disable('x-powered-by')
  parent.use(app)
  const prefix = `${path}/`
  const peersPath = `${path}/${KEY}/peers`

  function refuse(ws: WebSocket, message: string, code: number): void {
    ws.on('error', () => {})
    ws.send(JSON.stringify({ type: 'ERROR', payload: { msg: message } }))
    ws.close(code, message.slice(0, 100))
  }

  async function admit(request: IncomingMessage, ws: WebSocket, group: string): Promise<void> {
    const query = new URL(request.url ?? '/', 'http://broker').searchParams
    const id = query.get('id') ?? ''
    const token = query.get('token') ?? ''
    if (options.requireIdProof) {
      const host = hostName(request.headers.host)
      const proven = await verifyBrokerIdProof(id, token, host)
      if (!proven) return refuse(ws, 'this ID needs a proof of its device key', POLICY_VIOLATION)
    }
    if (ws.readyState !== ws.OPEN) return
    // An ID still held (the broker has not yet noticed a reopened page's old socket, or a tab
    // takes over its device's ID) goes to the newer connection when it proves the ID (or,
    // without proofs, shows the same token): the package would refuse it, or with the same
    // token take it silently and never say OPEN. Other clients get the package's ID-TAKEN.
    const previous = held.get(id)
    const takesOver = !previous || options.requireIdProof || previous.token === token
    if (previous && takesOver) {
      previous.socket.supersede(BROKER_ID_TAKEN_OVER, BROKER_TAKEN_OVER_CODE)
    }
    const guarded = new GuardedBrokerSocket({
      socket: ws,
      id,
      limits,
      logger,
      isRegistered: (other) => registered.has(other),
    })
    ws.once('close', () => release(group))
    if (takesOver) {
      held.set(id, { socket: guarded, token })
      guarded.once('close', () => {
        if (held.get(id)?.socket === guarded) held.delete(id)
      })
    }
    sockets?.emit('connection', guarded, request)
  }

  function release(group: string): void {
    const left = (perGroup.get(group) ?? 1) - 1
    if (left > 0) perGroup.set(group, left)
    else perGroup.delete(group)
  }

  return {
    owns: (pathname) => pathname === path || pathname.startsWith(prefix),
    handleRequest(request, response) {
      const url = new URL(request.url ?? '/', 'http://broker')
      if (url.pathname === peersPath) return listPeers(request, response, url, registered, options)
      parent(request, response)
    },
    handleUpgrade(request, socket, head, address) {
      if (!sockets) return socket.destroy()
      const group = addressGroup(address)
      const held = perGroup.get(group) ?? 0
      sockets.handleUpgrade(request, socket, head, (ws) => {
        if (held >= limits.maxConnectionsPerAddress) {
          const most = limits.maxConnectionsPerAddress
          return refuse(ws, `at most ${most} broker connections per address`, TRY_AGAIN_LATER)
        }
        perGroup.set(group, (perGroup.get(group) ?? 0) + 1)
        admit(request, ws, group).catch((error: unknown) => {
          logger.warn(`peerjs: a connection failed: ${String(error).slice(0, 200)}`)
          ws.terminate()
        })
      })
    },
    close() {
      for (const client of sockets?.clients ?? []) client.terminate()
      sockets?.close()
    },
  }
}

/** The broker's peer list, narrowed to what the app asks: `?prefix=pp<topic hash>-` or `?id=`. */
function listPeers(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  registered: ReadonlySet<string>,
  options: PeerJsMountOptions,
): void {
  const origin = request.headers.origin
  if (origin && options.allowedOrigins.includes(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin)
    response.setHeader('Vary', 'Origin')
  }
  const prefix = url.searchParams.get('prefix')
  const id = url.searchParams.get('id')
  let list: string[]
  if (prefix !== null && PRESENCE_PREFIX.test(prefix)) {
    list = [...registered].filter((peer) => peer.startsWith(prefix))
  } else if (id !== null && id.length <= 128) {
    list = registered.has(id) ? [id] : []
  } else {
    response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
    response.end('This broker lists the peers of one topic (?prefix=pp<hash>-) or one ID (?id=).')
    return
  }
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  response.end(JSON.stringify(list))
}

/** The host name of a Host header, without its port ("[::1]" keeps its brackets). */
function hostName(host: string | undefined): string {
  try {
    return new URL(`http://${host ?? ''}`).hostname
  } catch {
    return ''
  }
}
