import type { PeerId, Topic } from '../ids.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { CarrierSignaling, type CarrierSignalingOptions } from './carrier-signaling.ts'
import { ManualCarrier, type ManualCode } from './manual-carrier.ts'
import { decodeManualSignal } from './manual-codec.ts'

export interface ManualSignalingOptions extends Omit<CarrierSignalingOptions, 'trickle'> {
  /** How long a code waits for its answer and the connection. Default 10 minutes. */
  connectTimeoutMs?: number
}

const DEFAULT_PAIRING_TIMEOUT_MS = 10 * 60_000

export function createManualSignaling(options: ManualSignalingOptions): ManualSignaling {
  return new ManualSignaling(options)
}

/**
 * Signaling with no server: two people pair by carrying an offer code and an answer code
 * (copied text or QR) between their devices. It is the carrier connector over a ManualCarrier,
 * so its pipes arrive as 'pipe' events like any other adapter's. A paired peer is present in
 * every joined topic for as long as a pipe to it is open.
 *
 *   A: code = await createOffer()          -> show code
 *   B: answer = await acceptOffer(code)    -> show answer    (B gets 'pipe' once connected)
 *   A: await acceptAnswer(answer)                            (A gets 'pipe' once connected)
 */
export class ManualSignaling extends CarrierSignaling {
  readonly #carrier: ManualCarrier
  readonly #topics = new Set<Topic>()
  readonly #paired = new Map<PeerId, Set<DataPipe>>()

  constructor(options: ManualSignalingOptions) {
    const carrier = new ManualCarrier({
      self: options.self,
      ...(options.log ? { log: options.log } : {}),
    })
    super(carrier, {
      ...options,
      trickle: false,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_PAIRING_TIMEOUT_MS,
    })
    this.#carrier = carrier
    this.on('pipe', ({ peer, pipe }) => this.#track(peer, pipe))
  }

  /** Starts a pairing; resolves with the offer code to show. The pipe arrives as 'pipe'. */
  async createOffer(options: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.offer(options)).code
  }

  /**
   * Starts a pairing: resolves with the offer code to show and `answered`, which resolves with
   * the peer that answered once its pipe is open (the pipe also arrives as 'pipe').
   */
  async offer(
    options: { signal?: AbortSignal } = {},
  ): Promise<{ code: string; answered: Promise<PeerId> }> {
    const invitation = this.invite(options)
    invitation.answered.catch((error: Error) =>
      this.emit('error', { message: `pairing did not complete: ${error.message}` }),
    )
    const code = await Promise.race([
      this.#carrier.nextCode(invitation.sid),
      invitation.answered.then(() => Promise.reject(new Error('answered before the offer'))),
    ])
    return { code: code.text, answered: invitation.answered }
  }

  /** Takes the other side's offer code; resolves with the answer code to show back. */
  async acceptOffer(text: string): Promise<string> {
    return (await this.answer(text)).code
  }

  /** Takes the other side's offer code; resolves with the answer code and who offered. */
  async answer(text: string): Promise<{ code: string; from: PeerId }> {
    const signal = await decodeManualSignal(text)
    if (signal.type !== 'offer') {
      throw new Error('this is an answer code: enter it on the device that made the offer')
    }
    this.#carrier.deliver(signal) // the answer is produced asynchronously, so wait after
    return { code: (await this.#carrier.nextCode(signal.sid)).text, from: signal.from }
  }

  /** Takes the answer code to an offer of ours; the pipe then arrives as 'pipe'. */
  async acceptAnswer(text: string): Promise<void> {
    const signal = await decodeManualSignal(text)
    if (signal.type !== 'answer') {
      throw new Error('this is an offer code: enter it with "accept offer" instead')
    }
    this.#carrier.deliver(signal)
  }

  /** Every code this device produces, also those of connect() to an already paired peer. */
  onCode(listener: (code: ManualCode) => void): () => void {
    return this.#carrier.on('code', listener)
  }

  override join(topic: Topic): void {
    if (this.state === 'closed' || this.#topics.has(topic)) return
    this.#topics.add(topic)
    for (const peer of this.#paired.keys()) this.emit('peer-joined', { topic, peer })
  }

  override leave(topic: Topic): void {
    this.#topics.delete(topic)
  }

  override peers(topic: Topic): readonly PeerId[] {
    return this.#topics.has(topic) ? [...this.#paired.keys()] : []
  }

  override async connect(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<DataPipe> {
    const pipe = await super.connect(peer, options)
    this.#track(peer, pipe)
    return pipe
  }

  override close(): void {
    super.close()
    this.#topics.clear()
    this.#paired.clear()
  }

  #track(peer: PeerId, pipe: DataPipe): void {
    if (!pipe.isOpen) return
    let pipes = this.#paired.get(peer)
    if (!pipes) {
      this.#paired.set(peer, (pipes = new Set()))
      for (const topic of this.#topics) this.emit('peer-joined', { topic, peer })
    }
    pipes.add(pipe)
    pipe.on('close', () => {
      if (!pipes.delete(pipe) || pipes.size > 0 || this.#paired.get(peer) !== pipes) return
      this.#paired.delete(peer)
      if (this.state === 'closed') return
      for (const topic of this.#topics) this.emit('peer-left', { topic, peer })
    })
  }
}
