import { Emitter } from '../peer/emitter.ts'
import type { Identity } from '../peer/identity/identity.ts'
import {
  RELAY_PROTOCOL_VERSION,
  bytesToBase64,
  encodeMessage,
  parseServerMessage,
  relayAuthMessage,
} from '../peer/signaling/relay-protocol.ts'
import type { SignalingState } from '../peer/signaling/signaling.ts'
import type { ConnectionStatus } from './shell-model.ts'

export interface RelayProbeOptions {
  /** The relay's WebSocket URL. */
  url: string
  identity: Pick<Identity, 'peerId' | 'publicKey' | 'sign'>
  WebSocket: typeof WebSocket
  /** Longest wait between reconnection attempts. Default 30 s. */
  maxBackoffMs?: number
}

/**
 * Keeps an authenticated session with the relay and reports its state, reconnecting with
 * backoff. It joins no topic: a stand-in for the relay signal carrier on the first screen.
 */
export class RelayProbe extends Emitter<{ state: SignalingState }> implements ConnectionStatus {
  readonly endpoint: string
  #state: SignalingState = 'connecting'
  #socket: WebSocket | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  #attempt = 0
  #stopped = false
  readonly #options: RelayProbeOptions

  constructor(options: RelayProbeOptions) {
    super()
    this.#options = options
    this.endpoint = `relay ${options.url}`
  }

  get state(): SignalingState {
    return this.#state
  }

  start(): void {
    this.#stopped = false
    this.#connect()
  }

  close(): void {
    this.#stopped = true
    clearTimeout(this.#retry)
    this.#socket?.close()
    this.#setState('closed')
  }

  #connect(): void {
    this.#setState('connecting')
    const socket = new this.#options.WebSocket(this.#options.url)
    this.#socket = socket
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') void this.#receive(socket, event.data)
    }
    socket.onclose = () => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.#setState('closed')
      if (!this.#stopped) this.#scheduleReconnect()
    }
  }

  async #receive(socket: WebSocket, text: string): Promise<void> {
    const parsed = parseServerMessage(text)
    if (!parsed.ok) {
      console.warn(`relay probe: dropped a frame: ${parsed.error}`)
      return
    }
    const message = parsed.message
    if (message.type === 'challenge') {
      const { identity } = this.#options
      const signature = await identity.sign(relayAuthMessage(message.nonce))
      if (socket.readyState !== socket.OPEN) return
      socket.send(
        encodeMessage({
          type: 'hello',
          version: RELAY_PROTOCOL_VERSION,
          peerId: identity.peerId,
          publicKey: bytesToBase64(identity.publicKey),
          signature: bytesToBase64(signature),
        }),
      )
    } else if (message.type === 'welcome') {
      this.#attempt = 0
      this.#setState('open')
    } else if (message.type === 'error') {
      console.warn(`relay: ${message.code}: ${message.message}`)
    }
  }

  #scheduleReconnect(): void {
    const maxBackoff = this.#options.maxBackoffMs ?? 30_000
    const delay = Math.min(maxBackoff, 1000 * 2 ** this.#attempt++)
    this.#retry = setTimeout(() => this.#connect(), delay)
  }

  #setState(state: SignalingState): void {
    if (state === this.#state) return
    this.#state = state
    this.emit('state', state)
  }
}
