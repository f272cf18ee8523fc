import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import express from 'express'
import { ExpressPeerServer } from 'peer'
import { WebSocketServer, type ServerOptions } from 'ws'

/** The embedded PeerJS broker: its HTTP API and its WebSocket, both under `path`. */
export interface PeerJsMount {
  /** True for the requests and upgrades that belong to the broker. */
  owns(pathname: string): boolean
  handleRequest(request: IncomingMessage, response: ServerResponse): void
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
}

/**
 * Mounts the `peer` package's server at `path` (e.g. "/peerjs": its API answers there and its
 * clients connect to `${path}/peerjs`). It gets its own WebSocket server without a listener of
 * its own, so the relay's upgrades stay ours.
 */
export function mountPeerJs(
  server: Server,
  path: string,
  onError: (error: Error) => void,
): PeerJsMount {
  let sockets: WebSocketServer | undefined
  const app = ExpressPeerServer(server, {
    path,
    allow_discovery: true,
    createWebSocketServer: ({ server: _server, ...options }: ServerOptions) =>
      (sockets = new WebSocketServer({ ...options, noServer: true, maxPayload: 64 * 1024 })),
  })
  app.on('error', (error) => onError(error))
  // The package finishes its setup when an Express app mounts it.
  const parent = express()
  parent.disable('x-powered-by')
  parent.use(app)
  const prefix = `${path}/`
  return {
    owns: (pathname) => pathname === path || pathname.startsWith(prefix),
    handleRequest: (request, response) => parent(request, response),
    handleUpgrade(request, socket, head) {
      if (!sockets) return socket.destroy()
      sockets.handleUpgrade(request, socket, head, (ws) => sockets?.emit('connection', ws, request))
    },
    close() {
      for (const client of sockets?.clients ?? []) client.terminate()
      sockets?.close()
    },
  }
}
