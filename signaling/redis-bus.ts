import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { PeerId } from '../src/peer/ids.ts'
import type { Logger } from './config.ts'
import {
  encodeEnvelope,
  isRoomEvent,
  parseEnvelope,
  type BusEvent,
  type BusListener,
  type BusState,
  type PeerEvent,
  type RelayBus,
} from './relay-bus.ts'

export interface RedisBusOptions {
  /** e.g. "redis://127.0.0.1:6379". */
  url: string
  logger: Logger
  /** Prefix of every key and channel, so one Redis can serve several deployments. */
  prefix?: string
  /** An instance silent this long is taken for dead and its members dropped. Default 15 s. */
  aliveTtlMs?: number
  /** How long `createRedisBus` waits for a first connection before starting degraded. */
  connectTimeoutMs?: number
}

/**
 * Removes a room member only if it is still held by the given instance, and then tells the
 * room it left, in one step: a peer that moved to another instance stays where it is.
 */
const LEAVE_IF_HELD = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('PUBLISH', ARGV[3], ARGV[4])
  return 1 end return 0`

const SUBSCRIBE_CHUNK = 500

/**
 * Relay instances sharing topics through Redis pub/sub. Room membership lives in one hash per
 * room (peer -> instance), each instance refreshes a key saying it is alive, and events travel
 * on a channel per room and per peer. While Redis is unreachable, commands fail at once (no
 * queue), lists hold only this instance's members, and once it is back the instance
 * re-subscribes, re-announces its members and asks the hub to refresh its clients' lists.
 */
export class RedisBus implements RelayBus {
  readonly instance = randomBytes(9).toString('base64url')
  readonly #cmd: Redis
  readonly #sub: Redis
  readonly #logger: Logger
  readonly #prefix: string
  readonly #aliveTtlMs: number
  readonly #alive: NodeJS.Timeout
  #listener: BusListener | undefined
  /** What this instance registered, to register again after an outage. */
  readonly #rooms = new Map<string, Set<PeerId>>()
  readonly #claims = new Set<PeerId>()
  #up = false
  #closed = false

  constructor(options: RedisBusOptions) {
    this.#logger = options.logger
    this.#prefix = options.prefix ?? 'peerplace:relay:'
    this.#aliveTtlMs = options.aliveTtlMs ?? 15_000
    const connection = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      autoResubscribe: false,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    }
    this.#cmd = new Redis(options.url, connection)
    this.#sub = new Redis(options.url, connection)
    for (const client of [this.#cmd, this.#sub]) {
      client.on('ready', () => this.#stateChanged())
      client.on('close', () => this.#stateChanged())
      client.on('error', (error: Error) => this.#logger.debug(`redis: ${error.message}`))
    }
    this.#sub.on('message', (channel: string, text: string) => this.#received(channel, text))
    this.#alive = setInterval(() => void this.#markAlive(), this.#aliveTtlMs / 3)
    this.#alive.unref()
  }

  get state(): BusState {
    return this.#up ? 'up' : 'down'
  }

  attach(listener: BusListener): void {
    this.#listener = listener
  }

  /** Resolves once connected, or after `timeoutMs` (then the instance starts degraded). */
  connected(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const started = Date.now()
      const check = (): void => {
        if (this.#up || this.#closed) return resolve(this.#up)
        if (Date.now() - started > timeoutMs) return resolve(false)
        setTimeout(check, 25)
      }
      check()
    })
  }

  async join(room: string, peer: PeerId): Promise<PeerId[]> {
    let peers = this.#rooms.get(room)
    const first = !peers
    if (!peers) this.#rooms.set(room, (peers = new Set()))
    peers.add(peer)
    if (!this.#up) return []
    try {
      if (first) await this.#sub.subscribe(this.#roomChannel(room))
      const key = this.#membersKey(room)
      const replies = await this.#cmd.multi().hset(key, peer, this.instance).hgetall(key).exec()
      void this.#publish(this.#roomChannel(room), { kind: 'joined', room, peer })
      const entries = (replies?.[1]?.[1] ?? {}) as Record<string, string>
      return await this.#held(room, entries, peer)
    } catch (error) {
      this.#failed('join', error)
      return []
    }
  }

  leave(room: string, peer: PeerId): void {
    const peers = this.#rooms.get(room)
    if (!peers?.delete(peer)) return
    if (peers.size === 0) {
      this.#rooms.delete(room)
      if (this.#up) this.#sub.unsubscribe(this.#roomChannel(room)).catch(() => {})
    }
    if (this.#up) void this.#drop(room, peer, this.instance)
  }

  async members(room: string): Promise<PeerId[]> {
    if (!this.#up) return []
    try {
      return await this.#held(room, await this.#cmd.hgetall(this.#membersKey(room)), undefined)
    } catch (error) {
      this.#failed('members', error)
      return []
    }
  }

  claim(peer: PeerId): void {
    this.#claims.add(peer)
    if (!this.#up) return
    this.#sub.subscribe(this.#peerChannel(peer)).catch((error) => this.#failed('claim', error))
    void this.#publish(this.#peerChannel(peer), { kind: 'replaced', to: peer })
  }

  release(peer: PeerId): void {
    if (!this.#claims.delete(peer) || !this.#up) return
    this.#sub.unsubscribe(this.#peerChannel(peer)).catch(() => {})
  }

  async send(event: PeerEvent): Promise<boolean> {
    return (await this.#publish(this.#peerChannel(event.to), event)) > 0
  }

  async close(): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#alive)
    if (this.#up) {
      // Its members leave with it; the commands go before QUIT on the same connection.
      const drops = [...this.#rooms].flatMap(([room, peers]) =>
        [...peers].map((peer) => this.#drop(room, peer, this.instance)),
      )
      this.#rooms.clear()
      await Promise.all([...drops, this.#cmd.del(this.#aliveKey(this.instance)).catch(() => {})])
    }
    this.#closed = true
    await Promise.all([
      this.#cmd.quit().catch(() => this.#cmd.disconnect()),
      this.#sub.quit().catch(() => this.#sub.disconnect()),
    ])
  }

  /** The room's members held by live instances other than this one, `except` left out. */
  async #held(
    room: string,
    entries: Record<string, string>,
    except: PeerId | undefined,
  ): Promise<PeerId[]> {
    const instances = [...new Set(Object.values(entries))].filter((at) => at !== this.instance)
    if (instances.length === 0) return []
    const alive = await this.#cmd.mget(...instances.map((at) => this.#aliveKey(at)))
    const dead = new Set(instances.filter((_, index) => alive[index] === null))
    const peers: PeerId[] = []
    for (const [peer, at] of Object.entries(entries)) {
      if (at === this.instance || peer === except) continue
      if (dead.has(at)) void this.#drop(room, peer as PeerId, at)
      else peers.push(peer as PeerId)
    }
    return peers
  }

  /** Removes a member still held by `at` and tells the room it left. */
  async #drop(room: string, peer: PeerId, at: string): Promise<void> {
    const channel = this.#roomChannel(room)
    const left = encodeEnvelope({ origin: at, event: { kind: 'left', room, peer } })
    try {
      await this.#cmd.eval(LEAVE_IF_HELD, 1, this.#membersKey(room), peer, at, channel, left)
    } catch (error) {
      this.#failed('leave', error)
    }
  }

  /** Publishes an event; answers how many instances received it (0 when down). */
  async #publish(channel: string, event: BusEvent): Promise<number> {
    if (!this.#up) return 0
    try {
      return await this.#cmd.publish(channel, encodeEnvelope({ origin: this.instance, event }))
    } catch (error) {
      this.#failed('publish', error)
      return 0
    }
  }

  #received(channel: string, text: string): void {
    const parsed = parseEnvelope(text)
    const kind = channel.startsWith(this.#prefix + 'room:') ? 'room' : 'peer'
    if (!parsed.ok) {
      return this.#logger.warn(`redis bus: dropped a malformed ${kind} message: ${parsed.error}`)
    }
    const { origin, event } = parsed.envelope
    if (isRoomEvent(event)) {
      if (channel !== this.#roomChannel(event.room)) {
        return this.#logger.warn(`redis bus: dropped a ${event.kind} event on the wrong channel`)
      }
      if (origin !== this.instance && this.#rooms.has(event.room)) this.#listener?.room(event)
      return
    }
    if (channel !== this.#peerChannel(event.to)) {
      return this.#logger.warn(`redis bus: dropped a ${event.kind} event on the wrong channel`)
    }
    if (event.kind === 'replaced' && origin === this.instance) return
    if (this.#claims.has(event.to)) this.#listener?.peer(event)
  }

  #stateChanged(): void {
    const up = this.#cmd.status === 'ready' && this.#sub.status === 'ready' && !this.#closed
    if (up === this.#up) return
    this.#up = up
    if (up) {
      this.#logger.info('redis bus: connected')
      void this.#restore()
    } else if (!this.#closed) {
      this.#logger.warn('redis bus: unreachable; serving this instance only, reconnecting')
    }
  }

  /** After a (re)connection: subscribe, register and announce everything held here again. */
  async #restore(): Promise<void> {
    try {
      await this.#markAlive()
      const channels = [
        ...[...this.#rooms.keys()].map((room) => this.#roomChannel(room)),
        ...[...this.#claims].map((peer) => this.#peerChannel(peer)),
      ]
      for (let i = 0; i < channels.length; i += SUBSCRIBE_CHUNK) {
        await this.#sub.subscribe(...channels.slice(i, i + SUBSCRIBE_CHUNK))
      }
      const batch = this.#cmd.pipeline()
      for (const [room, peers] of this.#rooms) {
        for (const peer of peers) {
          batch.hset(this.#membersKey(room), peer, this.instance)
          const event: BusEvent = { kind: 'joined', room, peer }
          batch.publish(this.#roomChannel(room), encodeEnvelope({ origin: this.instance, event }))
        }
      }
      await batch.exec()
      if (this.#rooms.size > 0) this.#listener?.resync()
    } catch (error) {
      this.#failed('restore', error)
    }
  }

  async #markAlive(): Promise<void> {
    if (!this.#up) return
    await this.#cmd
      .set(this.#aliveKey(this.instance), '1', 'PX', this.#aliveTtlMs)
      .catch((error: unknown) => this.#failed('alive', error))
  }

  #failed(what: string, error: unknown): void {
    this.#logger.debug(`redis bus: ${what} failed: ${String(error).slice(0, 200)}`)
  }

  #roomChannel(room: string): string {
    return `${this.#prefix}room:${room}`
  }

  #peerChannel(peer: PeerId): string {
    return `${this.#prefix}peer:${peer}`
  }

  #membersKey(room: string): string {
    return `${this.#prefix}members:${room}`
  }

  #aliveKey(instance: string): string {
    return `${this.#prefix}alive:${instance}`
  }
}

/** A Redis bus, connected or (after `connectTimeoutMs`, default 3 s) degraded and retrying. */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const bus = new RedisBus(options)
  if (!(await bus.connected(options.connectTimeoutMs ?? 3000))) {
    options.logger.warn('redis bus: not reachable at start; serving this instance only')
  }
  return bus
}
