/** Whether an open connection's network path works ('ok') or ICE lost it ('interrupted'). */
export type PathState = 'ok' | 'interrupted'

export interface IceRestarterOptions {
  /** Only the initiator makes offers; the other side asks it to (a 'renegotiate' signal). */
  initiator: boolean
  /** Starts an offer with fresh ICE credentials (restartIce, then the peer's negotiation). */
  offerRestart(): void
  /** Asks the peer to make a restart offer (the non-initiator's move). */
  askPeer(): void
  onPathChange(state: PathState): void
  /** Called once when the path stayed down past `giveUpAfterMs`: the connection is useless. */
  onGiveUp(reason: string): void
  /** Between restart attempts while the path is down. Default 2000 ms. */
  retryMs?: number
  /**
   * A backstop if nothing above closes a connection that stays down. Default 15 min: longer
   * than a link holds a lost path while its peer is still around (LinkOptions.pathHoldMaxMs).
   */
  giveUpAfterMs?: number
}

const DOWN_STATES: readonly RTCIceConnectionState[] = ['disconnected', 'failed']
const UP_STATES: readonly RTCIceConnectionState[] = ['connected', 'completed']

/**
 * Keeps an open connection's path alive across network changes and outages by ICE restarts:
 * when ICE reports the path disconnected or failed, it restarts ICE at once and again every
 * `retryMs` while the path stays down (a restart made while the network is away gathers
 * nothing, so the one after its return is the one that works). The DTLS session, SCTP
 * association and data channels stay, so queued messages go out once the path is back.
 *
 * An offer that got no answer (its signal was lost) is rolled back before the next attempt, so
 * the connection never stays stuck half-way through a negotiation.
 */
export class IceRestarter {
  readonly #pc: RTCPeerConnection
  readonly #options: IceRestarterOptions
  readonly #retryMs: number
  readonly #giveUpAfterMs: number
  #state: PathState = 'ok'
  #timer: ReturnType<typeof setTimeout> | undefined
  #downSince = 0
  /** When the last restart offer was made (initiator) or received (the other side). */
  #offeredAt = -Infinity
  #active = false
  #closed = false
  readonly #onIceState = () => this.#check()

  constructor(pc: RTCPeerConnection, options: IceRestarterOptions) {
    this.#pc = pc
    this.#options = options
    this.#retryMs = options.retryMs ?? 2000
    this.#giveUpAfterMs = options.giveUpAfterMs ?? 15 * 60_000
    pc.addEventListener('iceconnectionstatechange', this.#onIceState)
  }

  get state(): PathState {
    return this.#state
  }

  /**
   * Whether a failed ICE state should be left to us rather than end the connection: true once
   * the connection has opened (before that, a failure is a failed connection attempt).
   */
  get holdsFailures(): boolean {
    return this.#active && !this.#closed
  }

  /** The connection is open: from now on lost paths are restarted. */
  activate(): void {
    this.#active = true
    this.#check()
  }

  /** Restarts ICE now, whatever ICE says (the layer above heard nothing for too long). */
  restart(): void {
    if (!this.holdsFailures) return
    this.#attempt()
    this.#schedule()
  }

  /**
   * The peer asked for a restart offer ('renegotiate' signal). While our own restarts run
   * (we saw the path go down too) they answer it: an offer per ask on top of them would only
   * double the signaling a held link costs.
   */
  peerAsked(): void {
    if (!this.holdsFailures || !this.#options.initiator) return
    if (this.#state === 'interrupted' && this.#timer !== undefined) return
    this.#attempt()
  }

  /** A restart offer came from the peer (the initiator): no need to ask it for one now. */
  peerOffered(): void {
    this.#offeredAt = performance.now()
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#pc.removeEventListener('iceconnectionstatechange', this.#onIceState)
  }

  #check(): void {
    if (!this.holdsFailures) return
    const ice = this.#pc.iceConnectionState
    if (DOWN_STATES.includes(ice) && this.#state === 'ok') {
      this.#state = 'interrupted'
      this.#downSince = performance.now()
      this.#options.onPathChange('interrupted')
      this.restart()
    } else if (UP_STATES.includes(ice) && this.#state === 'interrupted') {
      this.#state = 'ok'
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#options.onPathChange('ok')
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (!this.holdsFailures || this.#state === 'ok') return
      if (performance.now() - this.#downSince > this.#giveUpAfterMs) {
        this.#closed = true
        this.#options.onGiveUp(`the network path stayed down for ${this.#giveUpAfterMs} ms`)
        return
      }
      this.#attempt()
      this.#schedule()
    }, this.#retryMs)
  }

  #attempt(): void {
    const pc = this.#pc
    if (pc.signalingState === 'closed') return
    if (!this.#options.initiator) {
      // The initiator restarts by itself when it saw the loss: ask only when it seems not to.
      if (performance.now() - this.#offeredAt >= this.#retryMs * 1.5) this.#options.askPeer()
      return
    }
    if (pc.signalingState === 'stable') {
      this.#offeredAt = performance.now()
      this.#options.offerRestart()
    } else if (
      pc.signalingState === 'have-local-offer' &&
      performance.now() - this.#offeredAt >= this.#retryMs
    ) {
      // No answer came: drop the offer, then make a fresh one.
      pc.setLocalDescription({ type: 'rollback' }).then(
        () => {
          if (!this.holdsFailures || pc.signalingState !== 'stable') return
          this.#offeredAt = performance.now()
          this.#options.offerRestart()
        },
        () => {},
      )
    }
  }
}
