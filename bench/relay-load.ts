/** Lean relay clients for the relay benchmarks: thousands held in one process. */
import { toBase64 } from '../src/lib/base64.ts'
import { WebSocket } from 'ws'
import { RELAY_PROTOCOL_VERSION, relayAuthMessage } from '../src/peer/signaling/relay-protocol.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'

/** A lean authenticated client: the bench holds thousands of them. */
export interface LeanClient {
  socket: WebSocket
  peerId: string
  topic: string
  onSignal: ((data: unknown) => void) | undefined
}

/** Where a client goes: its relay and its topic. */
export interface ClientSpec {
  url: string
  topic: string
}

/**
 * Why a client could not be set up: a limit of the process that holds the clients (open files,
 * ports, memory), the relay (refused, closed, reset), or no welcome in time (either side slow).
 */
export type SetupFailureSide = 'client-limit' | 'relay' | 'timeout'

export class ClientSetupError extends Error {
  constructor(
    readonly side: SetupFailureSide,
    message: string,
  ) {
    super(message)
    this.name = 'ClientSetupError'
  }
}

const WELCOME_MS = 60_000
/** Socket errors that come from the client process's own limits, not from the relay. */
const CLIENT_LIMIT_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM'])

/** Classifies an error met while setting a client up (see SetupFailureSide). */
export function setupFailure(error: unknown): ClientSetupError {
  if (error instanceof ClientSetupError) return error
  const code = (error as { code?: unknown } | null)?.code
  const text = error instanceof Error ? error.message : String(error)
  if (typeof code === 'string' && CLIENT_LIMIT_CODES.has(code)) {
    return new ClientSetupError('client-limit', `client-side ${code}: ${text}`)
  }
  return new ClientSetupError('relay', typeof code === 'string' ? `${code}: ${text}` : text)
}

export async function leanClient(url: string, topic: string): Promise<LeanClient> {
  const identity = await createTestIdentity()
  const socket = new WebSocket(url, { perMessageDeflate: false })
  const client: LeanClient = { socket, peerId: identity.peerId, topic, onSignal: undefined }
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: ClientSetupError): void => {
        clearTimeout(timer)
        reject(error)
      }
      const timer = setTimeout(
        () => fail(new ClientSetupError('timeout', `no welcome within ${WELCOME_MS / 1000} s`)),
        WELCOME_MS,
      )
      socket.on('error', (error) => fail(setupFailure(error)))
      socket.on('close', (code, reason) =>
        fail(
          new ClientSetupError('relay', `closed before its welcome (${code} ${String(reason)})`),
        ),
      )
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
          fail(new ClientSetupError('relay', `refused: ${String(raw)}`))
        }
      })
    })
  } catch (error) {
    socket.terminate()
    throw error
  }
  socket.removeAllListeners('close')
  socket.removeAllListeners('error')
  socket.on('error', () => {})
  return client
}

/**
 * Sets up the clients `specs` describes, `batch` handshakes at a time, appending them to
 * `clients`. If any fails, those of its batch that made it are kept and a ClientSetupError (of
 * the first failure's side) says how many failed.
 */
export async function addClients(
  clients: LeanClient[],
  specs: readonly ClientSpec[],
  batch = 100,
): Promise<void> {
  for (let start = 0; start < specs.length; start += batch) {
    const settled = await Promise.allSettled(
      specs.slice(start, start + batch).map((spec) => leanClient(spec.url, spec.topic)),
    )
    const failures: unknown[] = []
    for (const result of settled) {
      if (result.status === 'fulfilled') clients.push(result.value)
      else failures.push(result.reason)
    }
    if (failures.length > 0) {
      const first = setupFailure(failures[0])
      throw new ClientSetupError(
        first.side,
        `${failures.length} of ${settled.length} clients of a batch failed, first: ${first.message}`,
      )
    }
  }
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
  const specs = Array.from({ length: Math.max(0, count - clients.length) }, (_, i) => {
    const index = clients.length + i
    return { url: relayOf(index), topic: `t${Math.floor(index / 10)}` }
  })
  await addClients(clients, specs)
}

/**
 * Signal round trips, one at a time 5 ms apart, between the pairs `pick` gives (sender first;
 * a pair is two members of one topic).
 */
export async function probeTimes(
  pick: () => readonly [LeanClient, LeanClient],
  samples: number,
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const [a, b] = pick()
    const sent = performance.now()
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a signal took over 10 s')), 10_000)
      b.onSignal = () => {
        clearTimeout(timer)
        resolve(performance.now() - sent)
      }
    })
    a.socket.send(JSON.stringify({ type: 'signal', to: b.peerId, data: { n: i } }))
    try {
      times.push(await arrived)
    } finally {
      b.onSignal = undefined
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return times
}

/** The 99th percentile of `times` (NaN when there are none). */
export function p99(times: readonly number[]): number {
  if (times.length === 0) return Number.NaN
  const sorted = [...times].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!
}

/** p99 of signal round trips between sample pairs in one topic (each client's topic-mate). */
export async function p99ForwardMs(clients: LeanClient[], samples = 200): Promise<number> {
  const pick = (): [LeanClient, LeanClient] => {
    const base = Math.floor(Math.random() * Math.floor(clients.length / 10)) * 10
    return [clients[base]!, clients[base + 1]!]
  }
  return p99(await probeTimes(pick, samples))
}
