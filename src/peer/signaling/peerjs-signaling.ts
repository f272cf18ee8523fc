import type { DataConnection, Peer, PeerJSOption } from 'peerjs'
import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../identity/identity.ts'
import type { PeerId, Topic } from '../ids.ts'
import { createPeerJsPipe } from '../transport/peerjs-pipe.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { BROKER_ID_TAKEN_OVER, brokerIdProof } from './peerjs-id-proof.ts'
import { mainPeerJsId, peerFromMainId, PeerJsPresence } from './peerjs-presence.ts'
import type { RtcIceConfig } from './carrier-signaling.ts'
import type { Signaling, SignalingEvents, SignalingState } from './signaling.ts'

/** Where a PeerJS broker answers; see peerJsServerFromUrl. */
export interface PeerJsServer {
  host: string
  port: number
  /** The path the broker is mounted at, e.g. "/peerjs". */
  path: string
  secure: boolean
  /** The broker's API key; "peerjs" unless the server sets another. */
  key: string
}

export type PeerConstructor = new (id: string, options: PeerJSOption) => Peer

export interface PeerJsSignalingOptions {
  self: PeerId
  /**
   * The device key of `self`: proves this device's broker IDs (peerjs-id-proof.ts), which
   * Peerplace's own broker requires. Without it the broker's own random token is used.
   */
  identity?: Identity
  server: PeerJsServer
  iceServers: RTCIceServer[]
  /** When given, read when the broker connection is made instead of `iceServers`. */
  rtcConfig?: () => RtcIceConfig
  /** Upper bound of one connection attempt. Default 20 s. */
  connectTimeoutMs?: number
  /**
   * How often the broker's peer list is read (presence) and lost registrations renewed; a
   * function is asked before each wait (e.g. slower while another signaling is open, since
   * each read costs a request per topic). Default 3 s.
   */
  discoveryIntervalMs?: number | (() => number)
  /** Loads the peerjs client; by default a lazy import, so it is fetched only when used. */
  loadPeer?: () => Promise<PeerConstructor>
  fetch?: typeof fetch
  log?: (message: string) => void
}

/** The broker of a URL such as "https://example.org/peerjs" (the app's own: origin + /peerjs). */
export function peerJsServerFromUrl(url: string, key = 'peerjs'): PeerJsServer {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:'
  const port = parsed.port ? Number(parsed.port) : secure ? 443 : 80
  const path = parsed.pathname.replace(/\/+$/, '') || '/'
  return { host: parsed.hostname, port, path, secure, key }
}

export function createPeerJsSignaling(options: PeerJsSignalingOptions): PeerJsSignaling {
  return new PeerJsSignaling(options)
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000
const PIPE_LABEL = 'peerplace'

/**
 * Signaling through a PeerJS broker. Pipes are peerjs DataConnections (reliable, raw bytes)
 * wrapped by peerjs-pipe.ts; topics are emulated as described in peerjs-presence.ts. When two
 * peers dial each other at once both pipes open; the mesh keeps one link per pair.
 */
export class PeerJsSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly kind = 'peerjs' as const
  readonly endpoint: string
  readonly #options: PeerJsSignalingOptions
  readonly #timeoutMs: number
  readonly #log: (message: string) => void
  readonly #presence: PeerJsPresence
  #timer: ReturnType<typeof setTimeout> | undefined
  /** connect() calls waiting for an answer, by the remote main ID. */
  readonly #dialing = new Map<string, Set<(error: Error) => void>>()
  #Peer: PeerConstructor | undefined
  #token: string | undefined
  #main: Peer | undefined
  #state: SignalingState = 'connecting'
  #opened: Promise<void>
  #markOpen!: () => void

  constructor(options: PeerJsSignalingOptions) {
    super()
    this.#options = options
    const { server } = options
    this.endpoint = `peerjs ${server.secure ? 'https' : 'http'}://${server.host}:${server.port}${server.path}`
    this.#timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.#log = options.log ?? ((m) => console.warn(`[signaling:peerjs] ${m}`))
    this.#opened = new Promise((resolve) => (this.#markOpen = resolve))
    this.#presence = new PeerJsPresence({
      self: options.self,
      createPeer: (id) => this.#createPeer(id),
      listPeers: (prefix) => this.#listPeers({ prefix }),
      onJoined: (topic, peer) => this.emit('peer-joined', { topic, peer }),
      onLeft: (topic, peer) => this.emit('peer-left', { topic, peer }),
      onError: (message) => this.emit('error', { message }),
      onTakenOver: () => this.#takenOver(),
    })
    this.#tick()
    const load = options.loadPeer ?? (async () => (await import('peerjs')).Peer)
    const identity = options.identity
    const proof = identity ? brokerIdProof(identity, server.host) : Promise.resolve(undefined)
    Promise.all([load(), proof]).then(
      ([Peer, token]) => {
        this.#Peer = Peer
        this.#token = token
        this.#maintain()
      },
      (error: unknown) => this.emit('error', { message: `cannot load peerjs: ${String(error)}` }),
    )
  }

  get state(): SignalingState {
    return this.#state
  }

  join(topic: Topic): void {
    if (this.#state !== 'closed') this.#presence.join(topic)
  }

  leave(topic: Topic): void {
    this.#presence.leave(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#presence.peers(topic)
  }

  async connect(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<DataPipe> {
    if (this.#state === 'closed') throw new Error('signaling is closed')
    if (peer === this.#options.self) throw new Error('cannot connect to self')
    const deadline = Date.now() + this.#timeoutMs
    const signal = options.signal
    const aborted = () =>
      Object.assign(new Error(`connect to ${peer} was aborted`), { name: 'AbortError' })
    let cancel: (error: Error) => void = () => {}
    const cancelled = new Promise<never>((_, reject) => (cancel = reject))
    const onAbort = () => cancel(aborted())
    if (signal?.aborted) throw aborted()
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(
      () => cancel(new Error(`no connection to peer ${peer} within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    )
    const remoteId = mainPeerJsId(peer)
    let waiters = this.#dialing.get(remoteId)
    if (!waiters) this.#dialing.set(remoteId, (waiters = new Set()))
    waiters.add(cancel)
    let connection: DataConnection | undefined
    const attempt = new AbortController()
    let piping = false
    try {
      await Promise.race([this.#opened, cancelled])
      // The broker holds an offer to an unknown ID for seconds before it says so: ask first.
      const present = await Promise.race([this.#isRegistered(remoteId), cancelled])
      if (!present) throw new Error(`peer ${peer} is not connected to the PeerJS server`)
      if ((this.#state as SignalingState) === 'closed' || !this.#main) {
        throw new Error('signaling is closed')
      }
      connection = this.#main.connect(remoteId, {
        label: PIPE_LABEL,
        reliable: true,
        serialization: 'raw',
      })
      const pipe = createPeerJsPipe(connection, {
        openTimeoutMs: Math.max(1, deadline - Date.now()),
        signal: attempt.signal,
      })
      piping = true
      return await Promise.race([pipe, cancelled])
    } catch (error) {
      // A pipe attempt closes its connection itself, after telling the peer (see peerjs-pipe).
      if (piping) attempt.abort()
      else connection?.close()
      const message = error instanceof Error ? error.message : String(error)
      if (error instanceof Error && error.name === 'AbortError') throw error
      throw new Error(`connection to ${peer} failed: ${message}`, { cause: error })
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      waiters.delete(cancel)
      if (waiters.size === 0) this.#dialing.delete(remoteId)
    }
  }

  /** Leaves the broker. Open pipes stay open: they no longer need it. */
  close(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    clearTimeout(this.#timer)
    this.#presence.close()
    this.#main?.disconnect() // destroy() would also close the open connections
    for (const waiters of this.#dialing.values()) {
      for (const cancel of waiters) cancel(new Error('signaling closed'))
    }
    this.emit('state', 'closed')
  }

  #setState(state: SignalingState): void {
    if (this.#state === state || this.#state === 'closed') return
    this.#state = state
    this.emit('state', state)
  }

  /** Reads the peer lists now and starts the next wait afresh (the interval may have changed). */
  discoverNow(): void {
    if (this.#state === 'closed') return
    clearTimeout(this.#timer)
    this.#maintain()
    this.#tick()
  }

  /** Maintains the registration and presence now and then, as `discoveryIntervalMs` says. */
  #tick(): void {
    const every = this.#options.discoveryIntervalMs ?? 3000
    this.#timer = setTimeout(
      () => {
        if (this.#state === 'closed') return
        this.#maintain()
        this.#tick()
      },
      typeof every === 'function' ? every() : every,
    )
  }

  /** Registers the main client, or renews a lost registration; then polls presence. */
  #maintain(): void {
    if (this.#state === 'closed' || !this.#Peer) return
    const main = this.#main
    if (!main || main.destroyed) this.#main = this.#createMain()
    else if (main.disconnected) main.reconnect()
    this.#presence.maintain()
    void this.#presence.poll()
  }

  #createMain(): Peer {
    const main = this.#createPeer(mainPeerJsId(this.#options.self))
    main.on('open', () => {
      this.#setState('open')
      this.#markOpen()
      this.#presence.activate()
    })
    main.on('disconnected', () => this.#setState('connecting'))
    main.on('connection', (connection) => this.#incoming(connection))
    main.on('error', (error) => {
      if (error.type === 'peer-unavailable') {
        const remoteId = /peer (\S+)$/.exec(error.message)?.[1] ?? ''
        const peer = peerFromMainId(remoteId) ?? remoteId
        const reason = new Error(`peer ${peer} is not connected to the PeerJS server`)
        for (const cancel of this.#dialing.get(remoteId) ?? []) cancel(reason)
        return
      }
      if (error.type === 'server-error' && error.message === BROKER_ID_TAKEN_OVER) {
        return this.#takenOver()
      }
      if (main.disconnected || main.destroyed) this.#setState('connecting')
      this.emit('error', { message: `PeerJS: ${error.type}: ${error.message}` })
    })
    return main
  }

  /**
   * A newer connection of this device (a reopened page, a tab that took over) proved our ID to
   * the broker, which dropped ours: renewing it would take the ID back, so this one stops, as
   * a relay connection does when it is replaced.
   */
  #takenOver(): void {
    if (this.#state === 'closed') return
    this.emit('error', {
      message: 'PeerJS: another tab or page of this device took over its ID on the broker',
    })
    this.close()
  }

  #incoming(connection: DataConnection): void {
    const peer = peerFromMainId(connection.peer)
    if (!peer || connection.serialization !== 'raw' || !connection.reliable) {
      this.#log(`refused a connection from ${connection.peer.slice(0, 40)}: not a Peerplace pipe`)
      connection.close()
      return
    }
    if (this.#state === 'closed') return connection.close()
    createPeerJsPipe(connection, { openTimeoutMs: this.#timeoutMs }).then(
      (pipe) => this.emit('pipe', { peer, pipe }),
      (error: Error) => this.#log(`an incoming connection from ${peer} failed: ${error.message}`),
    )
  }

  #createPeer(id: string): Peer {
    const { server, iceServers, rtcConfig } = this.#options
    return new this.#Peer!(id, {
      host: server.host,
      port: server.port,
      path: server.path,
      secure: server.secure,
      key: server.key,
      config: rtcConfig?.() ?? { iceServers },
      debug: 0,
      ...(this.#token === undefined ? {} : { token: this.#token }),
    })
  }

  /** Whether the broker knows `id`; true when it will not say (no discovery), so we try. */
  async #isRegistered(id: string): Promise<boolean> {
    try {
      return (await this.#listPeers({ id })).includes(id)
    } catch {
      return true
    }
  }

  /** The broker's peer list, narrowed by `query` (brokers without that filter list all). */
  async #listPeers(query: { prefix: string } | { id: string }): Promise<string[]> {
    const { server } = this.#options
    const base = `${server.secure ? 'https' : 'http'}://${server.host}:${server.port}`
    const path = server.path.endsWith('/') ? server.path : `${server.path}/`
    const search = new URLSearchParams(query).toString()
    const url = `${base}${path}${server.key}/peers?${search}`
    const response = await (this.#options.fetch ?? fetch)(url)
    if (!response.ok) throw new Error(`the broker answered ${response.status}`)
    const list: unknown = await response.json()
    if (!Array.isArray(list)) throw new Error('the broker sent no list')
    return list.filter((id): id is string => typeof id === 'string')
  }
}
