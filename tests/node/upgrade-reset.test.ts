import { connect } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
let server: SignalingServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Asks to upgrade `path` and resets the connection at once, as a browser giving up does. */
function upgradeAndReset(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
      setImmediate(() => {
        socket.resetAndDestroy()
        resolve()
      })
    })
    socket.on('error', () => resolve())
  })
}

it('a client that resets an upgrade to a path the server does not serve cannot end it', async () => {
  // No broker: its path is one the server does not serve, as on a relay-only deployment.
  server = await createSignalingServer({ logger: silent, peerjs: false })
  const { port, url } = server.address
  for (let i = 0; i < 40; i++) {
    await upgradeAndReset(port, `/peerjs/peerjs?key=peerjs&id=x${i}&token=t`)
    await upgradeAndReset(port, '/nowhere')
  }
  await new Promise((resolve) => setTimeout(resolve, 200))
  const health = await fetch(new URL('healthz', url))
  expect(health.status).toBe(200)
})
