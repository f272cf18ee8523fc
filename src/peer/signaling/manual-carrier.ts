import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { OpenSignalCarrier } from './carrier-signaling.ts'
import { encodeManualSignal, type ManualSignal } from './manual-codec.ts'
import { parseEnvelope, rtcEnvelope, type SessionId } from './signal-envelope.ts'
import type { SignalCarrierEvents, SignalingState } from './signaling.ts'

/** A pairing code ready to be shown (text, QR) to the person at the other end. */
export interface ManualCode {
  type: 'offer' | 'answer'
  /** Who it is for; undefined for an invitation that anyone may answer. */
  to: PeerId | undefined
  sid: SessionId
  text: string
}

export interface ManualCarrierEvents extends SignalCarrierEvents {
  /** A code was produced: an offer (show it, then accept the answer) or an answer. */
  code: ManualCode
}

export interface ManualCarrierOptions {
  self: PeerId
  log?: (message: string) => void
}

/**
 * The SignalCarrier of manual pairing: there is no channel, people carry the signals. Outgoing
 * offers and answers (complete SDPs: the connector runs it without trickle ICE) become pairing
 * codes (manual-codec.ts); pasted codes are delivered back as inbound signals. It knows no
 * one by itself: `peers()` is empty and presence comes from ManualSignaling.
 */
export class ManualCarrier extends Emitter<ManualCarrierEvents> implements OpenSignalCarrier {
  readonly kind = 'manual' as const
  readonly endpoint = 'manual'
  readonly #self: PeerId
  readonly #log: (message: string) => void
  /** Offers we produced and still expect an answer to, with their recipient if any. */
  readonly #offered = new Map<SessionId, PeerId | undefined>()
  /** Offers we accepted, by `${from}/${sid}`, so one is not accepted twice. */
  readonly #accepted = new Set<string>()
  readonly #waiting = new Map<SessionId, { resolve(c: ManualCode): void; reject(e: Error): void }>()
  #state: SignalingState = 'open'

  constructor(options: ManualCarrierOptions) {
    super()
    this.#self = options.self
    this.#log = options.log ?? ((m) => console.warn(`[signaling:manual] ${m}`))
  }

  get state(): SignalingState {
    return this.#state
  }

  join(_topic: Topic): void {}
  leave(_topic: Topic): void {}
  peers(_topic: Topic): readonly PeerId[] {
    return []
  }

  send(to: PeerId, data: unknown): void {
    this.#encode(to, data)
  }

  sendOpen(data: unknown): void {
    this.#encode(undefined, data)
  }

  /** The next code of session `sid`; rejects if the session is given up first. */
  nextCode(sid: SessionId): Promise<ManualCode> {
    if (this.#state === 'closed') return Promise.reject(new Error('manual signaling is closed'))
    return new Promise((resolve, reject) => this.#waiting.set(sid, { resolve, reject }))
  }

  /**
   * Delivers a decoded code as an inbound signal. Throws, changing nothing, when the code
   * cannot be used here: our own, already accepted, or an answer to no offer of ours.
   */
  deliver(signal: ManualSignal): void {
    if (this.#state === 'closed') throw new Error('manual signaling is closed')
    if (signal.from === this.#self) throw new Error('this pairing code is your own')
    const key = `${signal.from}/${signal.sid}`
    if (signal.type === 'offer') {
      if (this.#accepted.has(key)) throw new Error('this offer was already accepted')
      this.#accepted.add(key)
    } else {
      if (!this.#offered.has(signal.sid)) {
        throw new Error('this answer does not belong to an open offer of this device')
      }
      const to = this.#offered.get(signal.sid)
      if (to !== undefined && to !== signal.from) {
        throw new Error('this answer comes from another peer than the offer was made for')
      }
      this.#offered.delete(signal.sid)
    }
    this.emit('signal', {
      from: signal.from,
      data: rtcEnvelope(signal.sid, { type: signal.type, sdp: signal.sdp }),
    })
  }

  close(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    for (const waiter of this.#waiting.values()) waiter.reject(new Error('manual signaling closed'))
    this.#waiting.clear()
    this.emit('state', 'closed')
    this.removeAllListeners()
  }

  #encode(to: PeerId | undefined, data: unknown): void {
    if (this.#state === 'closed') throw new Error('manual signaling is closed')
    const parsed = parseEnvelope(data)
    if (!parsed.ok) return this.#log(`cannot carry this signal: ${parsed.error}`)
    const { sid } = parsed.envelope
    if (parsed.envelope.kind === 'bye') {
      this.#offered.delete(sid)
      this.#waiting.get(sid)?.reject(new Error(parsed.envelope.reason))
      this.#waiting.delete(sid)
      return
    }
    const signal = parsed.envelope.kind === 'rtc' ? parsed.envelope.data : undefined
    if (!signal || !('sdp' in signal)) {
      return this.#log('manual pairing carries complete SDPs only (turn trickle ICE off)')
    }
    encodeManualSignal({ type: signal.type, from: this.#self, sid, sdp: signal.sdp }).then(
      (text) => {
        if (this.#state === 'closed') return
        if (signal.type === 'offer') this.#offered.set(sid, to)
        const code: ManualCode = { type: signal.type, to, sid, text }
        this.#waiting.get(sid)?.resolve(code)
        this.#waiting.delete(sid)
        this.emit('code', code)
      },
      (error: unknown) => this.emit('error', { message: `cannot encode a code: ${String(error)}` }),
    )
  }
}
