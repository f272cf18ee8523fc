/**
 * A TCP proxy on 127.0.0.1 that counts the bytes a server sends back: everything a browser
 * receives over the wire (headers, compressed bodies, WebSocket frames), whoever asked for it
 * (the page or its service worker).
 */
import { connect, createServer, type Socket } from 'node:net'

export interface ByteCountingProxy {
  /** The proxy's origin with a trailing slash, e.g. "http://127.0.0.1:41234/". */
  readonly url: string
  /** Bytes sent from the server to clients so far. */
  readonly received: number
  /** Bytes sent from clients to the server so far. */
  readonly sent: number
  close(): Promise<void>
}

export async function startByteCountingProxy(target: string): Promise<ByteCountingProxy> {
  const { hostname, port } = new URL(target)
  let received = 0
  let sent = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    upstream.on('data', (chunk: Buffer) => (received += chunk.length))
    client.on('data', (chunk: Buffer) => (sent += chunk.length))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  return {
    url: `http://127.0.0.1:${address.port}/`,
    get received() {
      return received
    },
    get sent() {
      return sent
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
