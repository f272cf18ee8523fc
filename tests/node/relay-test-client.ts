import { toBase64 } from '../../src/lib/base64.ts'
import WebSocket from 'ws'
import type { Identity } from '../../src/peer/identity/identity.ts'
import {
  RELAY_PROTOCOL_VERSION,
  parseServerMessage,
  relayAuthMessage,
  type ServerMessage,
} from '../../src/peer/signaling/relay-protocol.ts'
import { createTestIdentity } from '../support/test-identity.ts'

export interface ClientOptions {
  headers?: Record<string, string>
  identity?: Identity
}

/** A raw protocol client for relay tests: sends anything, records every frame it receives. */
export class RelayTestClient {
  readonly received: ServerMessage[] = []
  readonly socket: WebSocket
  closed: { code: number; reason: string } | undefined
  nonce = ''
  #waiters = new Set<() => void>()
  #dead = false

  private constructor(
    socket: WebSocket,
    readonly identity: Identity,
  ) {
    this.socket = socket
    // Pings are answered here rather than by ws itself, so that a client can stop answering.
    socket.on('ping', (data) => {
      if (!this.#dead) socket.pong(data)
    })
    socket.on('message', (data) => {
      const parsed = parseServerMessage(String(data))
      if (!parsed.ok) throw new Error(`server sent an invalid frame: ${parsed.error}`)
      this.received.push(parsed.message)
      this.#wake()
    })
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) }
      this.#wake()
    })
  }

  /** Opens a socket and waits for the challenge, without authenticating. */
  static async open(url: string, options: ClientOptions = {}): Promise<RelayTestClient> {
    const identity = options.identity ?? (await createTestIdentity())
    const client = new RelayTestClient(
      new WebSocket(url, { headers: options.headers ?? {}, autoPong: false }),
      identity,
    )
    client.nonce = (await client.next('challenge')).nonce
    return client
  }

  /** Opens, answers the challenge and waits for the welcome. */
  static async connect(url: string, options: ClientOptions = {}): Promise<RelayTestClient> {
    const client = await RelayTestClient.open(url, options)
    await client.hello()
    await client.next('welcome')
    return client
  }

  /**
   * From now on the client reads frames but answers no WebSocket ping, as a dead peer whose
   * connection the kernel keeps open. (Dead from the start, a busy machine may drop it before
   * its handshake is through: the relay drops a socket that misses one ping.)
   */
  playDead(): void {
    this.#dead = true
  }

  get peerId(): Identity['peerId'] {
    return this.identity.peerId
  }

  async hello(overrides: Record<string, unknown> = {}): Promise<void> {
    const signature = await this.identity.sign(relayAuthMessage(this.nonce))
    this.send({
      type: 'hello',
      version: RELAY_PROTOCOL_VERSION,
      peerId: this.identity.peerId,
      publicKey: toBase64(this.identity.publicKey),
      signature: toBase64(signature),
      ...overrides,
    })
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Waits for the first received frame of `type` (matching `where`) not yet taken. */
  async next<T extends ServerMessage['type']>(
    type: T,
    where: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const find = (): Extract<ServerMessage, { type: T }> | undefined => {
      const index = this.received.findIndex(
        (m) => m.type === type && where(m as Extract<ServerMessage, { type: T }>),
      )
      if (index < 0) return undefined
      return this.received.splice(index, 1)[0] as Extract<ServerMessage, { type: T }>
    }
    return this.#until(find, `a "${type}" frame`, timeoutMs)
  }

  /**
   * Waits until the server tells this client that `peer` is in `topic`: either a "peer-joined"
   * frame or a refreshed "peers" list naming it (after a bus outage the hub may send either).
   */
  async learnsOf(topic: string, peer: string, timeoutMs = 5000): Promise<void> {
    const find = (): true | undefined => {
      const index = this.received.findIndex(
        (m) =>
          (m.type === 'peer-joined' && m.topic === topic && m.peer === peer) ||
          (m.type === 'peers' &&
            m.topic === topic &&
            (m.peers as readonly string[]).includes(peer)),
      )
      if (index < 0) return undefined
      this.received.splice(index, 1)
      return true
    }
    await this.#until(find, `news that ${peer} is in ${topic}`, timeoutMs)
  }

  /** Waits until the server closes the socket. */
  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return this.#until(() => this.closed, 'the socket to close', timeoutMs)
  }

  close(): void {
    this.socket.close()
  }

  #until<R>(find: () => R | undefined, what: string, timeoutMs: number): Promise<R> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find()
        if (found === undefined) return
        this.#waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        const seen = JSON.stringify(this.received).slice(0, 500)
        reject(new Error(`timed out waiting for ${what}; unread: ${seen}`))
      }, timeoutMs)
      this.#waiters.add(check)
      check()
    })
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}
