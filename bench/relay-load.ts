/** Lean relay clients for the relay benchmarks: thousands held in one process. */
import { toBase64 } from '../src/lib/base64.ts'
import { WebSocket } from 'ws'
import { RELAY_PROTOCOL_VERSION, relayAuthMessage } from '../src/peer/signaling/relay-protocol.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'

/** A lean authenticated client: the bench holds thousands of them. */
export interface LeanClient {
  socket: WebSocket
  peerId: string
  onSignal: ((data: unknown) => void) | undefined
}

export async function leanClient(url: string, topic: string): Promise<LeanClient> {
  const identity = await createTestIdentity()
  const socket = new WebSocket(url, { perMessageDeflate: false })
  const client: LeanClient = { socket, peerId: identity.peerId, onSignal: undefined }
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client not welcomed within 60 s`)), 60_000)
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; nonce?: string; data?: unknown }
      if (message.type === 'challenge') {
        void identity.sign(relayAuthMessage(message.nonce!)).then((signature) =>
          socket.send(
            JSON.stringify({
              type: 'hello',
              version: RELAY_PROTOCOL_VERSION,
              peerId: identity.peerId,
              publicKey: toBase64(identity.publicKey),
              signature: toBase64(signature),
            }),
          ),
        )
      } else if (message.type === 'welcome') {
        socket.send(JSON.stringify({ type: 'join', topic }))
      } else if (message.type === 'peers') {
        clearTimeout(timer)
        resolve()
      } else if (message.type === 'signal') {
        client.onSignal?.(message.data)
      } else if (message.type === 'error') {
        clearTimeout(timer)
        reject(new Error(`refused: ${String(raw)}`))
      }
    })
  })
  return client
}

/**
 * Adds clients (topics of ten) until `count` are held; `url` gives each new client's relay by
 * its index (one relay, or the instances of a cluster in turn).
 */
export async function growTo(
  clients: LeanClient[],
  url: string | ((index: number) => string),
  count: number,
): Promise<void> {
  const relayOf = typeof url === 'string' ? () => url : url
  while (clients.length < count) {
    const batch = Math.min(100, count - clients.length)
    const start = clients.length
    clients.push(
      ...(await Promise.all(
        Array.from({ length: batch }, (_, i) =>
          leanClient(relayOf(start + i), `t${Math.floor((start + i) / 10)}`),
        ),
      )),
    )
  }
}

/** p99 of signal round trips between sample pairs in one topic (each client's topic-mate). */
export async function p99ForwardMs(clients: LeanClient[], samples = 200): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const base = Math.floor(Math.random() * (clients.length / 10)) * 10
    const a = clients[base]!
    const b = clients[base + 1]!
    const sent = performance.now()
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a signal took over 10 s')), 10_000)
      b.onSignal = () => {
        clearTimeout(timer)
        resolve(performance.now() - sent)
      }
    })
    a.socket.send(JSON.stringify({ type: 'signal', to: b.peerId, data: { n: i } }))
    times.push(await arrived)
    b.onSignal = undefined
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  times.sort((x, y) => x - y)
  return times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!
}
