import { WebSocket } from 'ws'
import type { Identity } from '../../../src/peer/identity/identity.ts'
import { brokerIdProof } from '../../../src/peer/signaling/peerjs-id-proof.ts'
import { mainPeerJsId } from '../../../src/peer/signaling/peerjs-presence.ts'
import { createTestIdentity } from '../../support/test-identity.ts'

/** A raw PeerJS broker client for hostile tests: sends anything, records what it gets. */
export class BrokerTestClient {
  readonly received: Record<string, unknown>[] = []
  closed: number | undefined
  readonly #closedOnce: Promise<number>

  private constructor(
    readonly socket: WebSocket,
    readonly id: string,
  ) {
    socket.on('error', () => {})
    socket.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as Record<string, unknown>)
    })
    this.#closedOnce = new Promise((resolve) =>
      socket.once('close', (code) => resolve((this.closed = code))),
    )
  }

  /** Connects as the main ID of `identity` (a fresh one by default), with or without proof. */
  static async open(
    httpUrl: string,
    options: { identity?: Identity; id?: string; token?: string | null } = {},
  ): Promise<BrokerTestClient> {
    const identity = options.identity ?? (await createTestIdentity())
    const id = options.id ?? mainPeerJsId(identity.peerId)
    const url = new URL('/peerjs/peerjs', httpUrl)
    url.protocol = 'ws:'
    const token =
      options.token === undefined ? await brokerIdProof(identity, url.hostname) : options.token
    url.search = new URLSearchParams({ key: 'peerjs', id, token: token ?? 'random' }).toString()
    return new BrokerTestClient(new WebSocket(url), id)
  }

  /** Opens and waits for the broker's OPEN. */
  static async connect(httpUrl: string, identity?: Identity): Promise<BrokerTestClient> {
    const client = await BrokerTestClient.open(httpUrl, identity ? { identity } : {})
    await client.next('OPEN')
    return client
  }

  send(frame: unknown): void {
    if (this.socket.readyState !== this.socket.OPEN) return
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  async next(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.received.findIndex((m) => m.type === type)
      if (index >= 0) return this.received.splice(index, 1)[0]!
      if (Date.now() > deadline) {
        const seen = JSON.stringify(this.received).slice(0, 300)
        throw new Error(`broker client ${this.id}: no ${type} within ${timeoutMs} ms; got ${seen}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`broker client ${this.id} was not closed in ${timeoutMs} ms`)),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([this.#closedOnce, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    this.socket.terminate()
  }
}
