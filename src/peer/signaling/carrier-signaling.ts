import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { DataPipe } from '../transport/pipe.ts'
import {
  createSimplePeerPipe,
  type PendingPipe,
  type SimplePeerPipeOptions,
} from '../transport/simple-peer-pipe.ts'
import type { OpenSessions, SessionRoute } from './open-sessions.ts'
import {
  byeEnvelope,
  isOffer,
  newSessionId,
  parseEnvelope,
  rtcEnvelope,
  rtcEnvelopes,
  parseRtcSignal,
  splitEnvelope,
  type RtcSignal,
  type SessionId,
  type SignalEnvelope,
  type SingleEnvelope,
} from './signal-envelope.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  Signaling,
  SignalingEvents,
  SignalingKind,
  SignalingState,
} from './signaling.ts'

export interface CarrierSignalingOptions {
  self: PeerId
  iceServers: RTCIceServer[]
  /** When given, read at each connection attempt instead of `iceServers` (fresh credentials). */
  rtcConfig?: () => RtcIceConfig
  /** A WebRTC implementation for Node (`@roamhq/wrtc`); browsers use their own. */
  wrtc?: object
  /** Upper bound of one connection attempt, either direction. Default 20 s. */
  connectTimeoutMs?: number
  /** Trickle ICE (default). The manual carrier needs complete SDPs: false. */
  trickle?: boolean
  /** Starts a WebRTC connection; simple-peer by default. */
  createPipe?: (options: SimplePeerPipeOptions & { connectTimeoutMs?: number }) => PendingPipe
  /** Where dropped signals are reported. Defaults to console.warn. */
  log?: (message: string) => void
  /**
   * Shared by the device's signalings: an open connection's later signals (ICE restarts) go
   * through another of them when this one is down, and arrive from any of them.
   */
  openSessions?: OpenSessions
  /**
   * How long a session's signals are gathered before they go out together (an offer with its
   * first candidates), so a dial costs a few carrier messages, not one per candidate. Default
   * 25 ms; 0 sends each at once.
   */
  signalBatchMs?: number
  /**
   * How long a dial waits for the first signal back (the answer) before it gives up, so a lost
   * offer or answer costs a quick retry rather than the whole connect timeout. Default 6 s;
   * manual pairing (a person carries each code) waits for the connect timeout.
   */
  answerTimeoutMs?: number
}

/** The ICE part of an RTCConfiguration. */
export interface RtcIceConfig {
  iceServers: RTCIceServer[]
  iceTransportPolicy?: RTCIceTransportPolicy
}

/** A carrier that can also address a signal to whoever answers it (manual pairing codes). */
export interface OpenSignalCarrier extends SignalCarrier {
  sendOpen(data: unknown): void
}

/** An initiator session addressed to nobody yet; see CarrierSignaling.invite. */
export interface Invitation {
  readonly sid: SessionId
  /** Resolves with the peer that answered once the pipe is open (also emitted as 'pipe'). */
  readonly answered: Promise<PeerId>
}

interface Waiter {
  resolve(pipe: DataPipe): void
  reject(error: Error): void
}

interface Session {
  readonly sid: SessionId
  peer: PeerId | undefined
  readonly initiator: boolean
  readonly pending: PendingPipe
  /** connect() calls waiting for this session's pipe. */
  readonly waiters: Set<Waiter>
  /** Emit 'pipe' when it opens (sessions the remote or an invitation started). */
  readonly announce: boolean
  state: 'pending' | 'open' | 'ended'
  timer: ReturnType<typeof setTimeout> | undefined
  /** Local signals waiting to go out together, and the timer that sends them. */
  readonly outbox: RtcSignal[]
  flushTimer: ReturnType<typeof setTimeout> | undefined
  /** Ends a dial that heard nothing back; cleared by the first signal from the peer. */
  answerTimer: ReturnType<typeof setTimeout> | undefined
  /** Removes it from the shared open sessions. */
  unbook?: (() => void) | undefined
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000
const DEFAULT_SIGNAL_BATCH_MS = 25
const DEFAULT_ANSWER_TIMEOUT_MS = 6000
const REMEMBERED_ENDED_SESSIONS = 256

export function createCarrierSignaling(
  carrier: SignalCarrier,
  options: CarrierSignalingOptions,
): CarrierSignaling {
  return new CarrierSignaling(carrier, options)
}

/**
 * Turns a SignalCarrier into a Signaling by running simple-peer over it. Each connection
 * attempt is a session with a random id; its signals travel in a versioned envelope
 * (signal-envelope.ts). When both peers connect to each other at once, the session started
 * by the lower peer ID wins on both sides, and the other side's connect() resolves with it.
 */
export class CarrierSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly #carrier: SignalCarrier
  readonly #options: CarrierSignalingOptions
  readonly #timeoutMs: number
  readonly #log: (message: string) => void
  readonly #createPipe: NonNullable<CarrierSignalingOptions['createPipe']>
  /** Sessions bound to a peer, by `${peer}/${sid}`. */
  readonly #sessions = new Map<string, Session>()
  /** Invitations nobody has answered yet, by sid. */
  readonly #invitations = new Map<SessionId, Session>()
  /** Recently ended sessions, so their late signals are dropped quietly. */
  readonly #ended = new Set<string>()
  readonly #unsubscribe: (() => void)[]
  readonly #route: SessionRoute
  #closed = false

  constructor(carrier: SignalCarrier, options: CarrierSignalingOptions) {
    super()
    this.#carrier = carrier
    this.#options = options
    this.#timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.#log = options.log ?? ((m) => console.warn(`[signaling:${carrier.kind}] ${m}`))
    this.#createPipe = options.createPipe ?? createSimplePeerPipe
    const forward = <K extends keyof SignalCarrierEvents & keyof SignalingEvents>(event: K) =>
      carrier.on(event, (value) => this.emit(event, value as SignalingEvents[K]))
    this.#unsubscribe = [
      forward('state'),
      forward('peer-joined'),
      forward('peer-left'),
      forward('error'),
      carrier.on('signal', ({ from, data }) => this.#receive(from, data)),
    ]
    const isOpen = () => this.state === 'open'
    this.#route = {
      kind: carrier.kind,
      get open() {
        return isOpen()
      },
      send: (peer, envelope) => carrier.send(peer, envelope),
    }
    // A manual exchange needs a person to carry each signal: no route for restarts.
    const withdraw = this.#manual ? undefined : options.openSessions?.addRoute(this.#route)
    if (withdraw) this.#unsubscribe.push(withdraw)
  }

  get #manual(): boolean {
    return this.#carrier.kind === 'manual'
  }

  get kind(): SignalingKind {
    return this.#carrier.kind
  }

  get state(): SignalingState {
    return this.#closed ? 'closed' : this.#carrier.state
  }

  get endpoint(): string {
    return this.#carrier.endpoint
  }

  join(topic: Topic): void {
    if (!this.#closed) this.#carrier.join(topic)
  }

  leave(topic: Topic): void {
    if (!this.#closed) this.#carrier.leave(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#closed ? [] : this.#carrier.peers(topic)
  }

  connect(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<DataPipe> {
    if (this.#closed) return Promise.reject(new Error('signaling is closed'))
    if (peer === this.#options.self) return Promise.reject(new Error('cannot connect to self'))
    if (options.signal?.aborted) return Promise.reject(abortError(peer))
    const session = this.#start(newSessionId(), peer, true, false)
    return this.#wait(session, options.signal)
  }

  /**
   * Starts a connection to whoever answers: its offer goes through the carrier's `sendOpen`
   * and the first peer whose answer names this session gets the pipe ('pipe' event).
   */
  invite(options: { signal?: AbortSignal } = {}): Invitation {
    const carrier = this.#carrier as Partial<OpenSignalCarrier>
    if (typeof carrier.sendOpen !== 'function') {
      throw new Error(`${this.kind} signaling cannot address an offer to whoever answers`)
    }
    if (this.#closed) throw new Error('signaling is closed')
    const session = this.#start(newSessionId(), undefined, true, true)
    const answered = new Promise<PeerId>((resolve, reject) => {
      session.waiters.add({ resolve: () => resolve(session.peer!), reject })
    })
    answered.catch(() => {})
    options.signal?.addEventListener('abort', () =>
      this.#end(session, new Error('aborted'), 'aborted'),
    )
    return { sid: session.sid, answered }
  }

  /** Ends pending attempts and the carrier. Open pipes stay open: they no longer need us. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#unsubscribe) off()
    const pending = [...this.#sessions.values(), ...this.#invitations.values()]
    for (const session of pending) this.#end(session, new Error('signaling closed'))
    this.#carrier.close()
    this.emit('state', 'closed')
  }

  #start(sid: SessionId, peer: PeerId | undefined, initiator: boolean, announce: boolean): Session {
    const ice = this.#options.rtcConfig?.() ?? { iceServers: this.#options.iceServers }
    const pending = this.#createPipe({
      initiator,
      ...ice,
      trickle: this.#options.trickle ?? true,
      connectTimeoutMs: this.#timeoutMs,
      ...(this.#options.wrtc ? { wrtc: this.#options.wrtc } : {}),
    })
    const session: Session = {
      sid,
      peer,
      initiator,
      pending,
      waiters: new Set(),
      announce,
      state: 'pending',
      timer: undefined,
      outbox: [],
      flushTimer: undefined,
      answerTimer: undefined,
    }
    if (peer) this.#sessions.set(`${peer}/${sid}`, session)
    else this.#invitations.set(sid, session)
    session.timer = setTimeout(() => {
      const who = session.peer ? `peer ${session.peer}` : 'an answer to the invitation'
      this.#end(session, new Error(`no connection to ${who} within ${this.#timeoutMs} ms`))
    }, this.#timeoutMs)
    const answerMs = this.#options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS
    if (initiator && peer && !this.#manual && answerMs < this.#timeoutMs) {
      session.answerTimer = setTimeout(() => {
        this.#end(session, new Error(`no answer from ${peer} within ${answerMs} ms`))
      }, answerMs)
    }
    pending.onSignal((data) => {
      const signal = parseRtcSignal(data)
      if (typeof signal === 'string') return this.#log(`not sending a local signal: ${signal}`)
      this.#queue(session, signal)
    })
    pending.pipe.then(
      (pipe) => this.#opened(session, pipe),
      (error: Error) => this.#end(session, error),
    )
    return session
  }

  #wait(session: Session, signal: AbortSignal | undefined): Promise<DataPipe> {
    const peer = session.peer!
    return new Promise<DataPipe>((resolve, reject) => {
      const onAbort = () => {
        waiter.reject(abortError(peer))
        const current = [...this.#sessions.values()].find((s) => s.waiters.has(waiter))
        if (!current) return
        current.waiters.delete(waiter)
        if (current.waiters.size === 0 && !current.announce) {
          this.#end(current, new Error('aborted'), 'aborted')
        }
      }
      const waiter: Waiter = {
        resolve: (pipe) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(pipe)
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      session.waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #queue(session: Session, signal: RtcSignal): void {
    const batchMs = this.#options.signalBatchMs ?? DEFAULT_SIGNAL_BATCH_MS
    if (batchMs <= 0) return this.#send(session, rtcEnvelope(session.sid, signal))
    session.outbox.push(signal)
    session.flushTimer ??= setTimeout(() => this.#flush(session), batchMs)
  }

  #flush(session: Session): void {
    clearTimeout(session.flushTimer)
    session.flushTimer = undefined
    const signals = session.outbox.splice(0)
    for (const envelope of rtcEnvelopes(session.sid, signals)) {
      if (session.state === 'ended') return
      this.#send(session, envelope)
    }
  }

  #send(session: Session, envelope: SignalEnvelope): void {
    const sessions = this.#options.openSessions
    const around = session.state === 'open' && session.peer !== undefined && sessions
    if (around && (this.state !== 'open' || this.#manual))
      return this.#sendAround(session, envelope)
    try {
      if (session.peer) this.#carrier.send(session.peer, envelope)
      else (this.#carrier as OpenSignalCarrier).sendOpen(envelope)
    } catch (error) {
      if (around) this.#sendAround(session, envelope)
      else this.#end(session, new Error(`could not send a signal: ${messageOf(error)}`))
    }
  }

  /** An open connection's signal, this signaling being down: through another one. */
  #sendAround(session: Session, envelope: SignalEnvelope): void {
    const sent = this.#options.openSessions?.sendAround(session.peer!, envelope, this.#route)
    if (!sent) this.#log(`no signaling could carry a signal to ${session.peer}`)
  }

  #opened(session: Session, pipe: DataPipe): void {
    if (session.state !== 'pending') {
      pipe.close('connection attempt was already given up')
      return
    }
    session.state = 'open'
    clearTimeout(session.timer)
    clearTimeout(session.answerTimer)
    const peer = session.peer
    if (!peer) {
      pipe.close('opened without an answer')
      return
    }
    pipe.on('close', () => this.#forget(session))
    session.unbook = this.#options.openSessions?.add(peer, session.sid, (envelope) => {
      if (envelope.kind === 'rtc' && session.state === 'open') session.pending.signal(envelope.data)
    })
    const waiters = [...session.waiters]
    session.waiters.clear()
    for (const waiter of waiters) waiter.resolve(pipe)
    if (session.announce) this.emit('pipe', { peer, pipe })
  }

  /** Gives a pending session up; the peer hears `bye` unless the session lost a glare. */
  #end(session: Session, error: Error, how: 'failed' | 'aborted' | 'superseded' = 'failed'): void {
    const superseded = how === 'superseded'
    const quiet = how !== 'failed'
    if (session.state !== 'pending') return
    session.state = 'ended'
    clearTimeout(session.timer)
    clearTimeout(session.answerTimer)
    clearTimeout(session.flushTimer)
    session.outbox.length = 0
    session.pending.destroy(error.message)
    const waiters = [...session.waiters]
    session.waiters.clear()
    const who = session.peer ?? 'an unknown peer'
    if (waiters.length === 0 && !this.#closed && !quiet) {
      this.#log(`a connection attempt with ${who} ended: ${error.message}`)
    }
    for (const waiter of waiters)
      waiter.reject(new Error(`connection to ${who} failed: ${error.message}`, { cause: error }))
    if (session.peer && !this.#closed && !superseded) {
      try {
        this.#carrier.send(session.peer, byeEnvelope(session.sid, error.message))
      } catch {
        // the carrier is gone; the peer's own timeout ends its side
      }
    }
    this.#forget(session)
  }

  #forget(session: Session): void {
    session.unbook?.()
    this.#invitations.delete(session.sid)
    if (!session.peer) return
    const key = `${session.peer}/${session.sid}`
    this.#sessions.delete(key)
    this.#remember(key)
  }

  #remember(key: string): void {
    this.#ended.add(key)
    if (this.#ended.size > REMEMBERED_ENDED_SESSIONS) {
      this.#ended.delete(this.#ended.values().next().value!)
    }
  }

  #receive(from: PeerId, data: unknown): void {
    if (this.#closed) return
    const parsed = parseEnvelope(data)
    if (!parsed.ok) return this.#log(`dropped a signal from ${from}: ${parsed.error}`)
    for (const envelope of splitEnvelope(parsed.envelope)) this.#receiveOne(from, envelope)
  }

  #receiveOne(from: PeerId, envelope: SingleEnvelope): void {
    if (this.#closed) return
    const key = `${from}/${envelope.sid}`
    let session = this.#sessions.get(key)
    if (!session) {
      const invitation = this.#invitations.get(envelope.sid)
      if (invitation && envelope.kind === 'rtc' && !isOffer(envelope.data)) {
        this.#invitations.delete(envelope.sid)
        invitation.peer = from
        this.#sessions.set(key, invitation)
        session = invitation
      }
    }
    // An open connection of another of our signalings (its own is down): hand it over.
    if (!session && this.#options.openSessions?.deliver(from, envelope)) return
    if (envelope.kind === 'bye') {
      if (session) this.#end(session, new Error(`the peer gave up: ${envelope.reason}`))
      return
    }
    if (session) {
      clearTimeout(session.answerTimer)
      return session.pending.signal(envelope.data)
    }
    if (!isOffer(envelope.data)) {
      if (!this.#ended.has(key)) this.#log(`dropped a signal from ${from} for an unknown session`)
      return
    }
    this.#incomingOffer(from, envelope.sid, envelope.data)
  }

  /** A new session from `from`. If we are dialing it too, the lower peer ID's session wins. */
  #incomingOffer(from: PeerId, sid: SessionId, offer: unknown): void {
    const ours = [...this.#sessions.values()].filter(
      (s) => s.peer === from && s.initiator && s.state === 'pending' && s.waiters.size > 0,
    )
    if (ours.length > 0 && this.#options.self < from) {
      this.#remember(`${from}/${sid}`) // ours wins; the peer adopts it when our offer arrives
      return
    }
    const session = this.#start(sid, from, false, ours.length === 0)
    for (const loser of ours) {
      for (const waiter of loser.waiters) session.waiters.add(waiter)
      loser.waiters.clear()
      this.#end(loser, new Error('superseded'), 'superseded')
    }
    session.pending.signal(offer)
  }
}

function abortError(peer: PeerId): Error {
  const error = new Error(`connect to ${peer} was aborted`)
  error.name = 'AbortError'
  return error
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
