import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { ManualSignaling } from '../signaling/manual-signaling.ts'
import type { Mesh } from './mesh.ts'

/** An offer made on this device: show `code`, then hand the answer code to `complete`. */
export interface PairingOffer {
  /** The offer code, as text (also fit for a QR code). */
  readonly code: string
  /**
   * Takes the answer code from the other device. Throws at once for a code that cannot be
   * used here (damaged, an offer, not for this offer); otherwise resolves with the peer's ID
   * once an authenticated mesh link to it is up, or rejects when it cannot be.
   */
  complete(answerCode: string): Promise<PeerId>
}

/** An offer accepted on this device: show `code` to the offering device. */
export interface PairingAnswer {
  /** The answer code, as text (also fit for a QR code). */
  readonly code: string
  /** The peer that made the offer (not yet proven: the link proves it). */
  readonly peer: PeerId
  /** Resolves with `peer` once an authenticated mesh link to it is up; rejects if it fails. */
  readonly linked: Promise<PeerId>
}

export interface ManualPairingOptions {
  signaling: ManualSignaling
  mesh: Pick<Mesh, 'attach'>
  /** How long an answer waits for the offering device to take it. Default 10 minutes. */
  linkTimeoutMs?: number
}

interface Slot {
  promise: Promise<Link>
  resolve(link: Promise<Link>): void
  settled: boolean
}

/**
 * Pairing two devices with no server: one shows an offer code, the other answers it with an
 * answer code, and the connection that results becomes an authenticated mesh link (its
 * handshake proves each peer ID). The device that made the offer counts as the dialler.
 *
 *   A: offer = await pairing.createOffer()         show offer.code
 *   B: answer = await pairing.acceptOffer(code)    show answer.code; await answer.linked
 *   A: await offer.complete(answer code)           resolves with B's peer ID
 */
export class ManualPairing {
  readonly #signaling: ManualSignaling
  readonly #mesh: Pick<Mesh, 'attach'>
  readonly #linkTimeoutMs: number
  /** The link attempt for each peer whose pairing pipe opened (or is awaited). */
  readonly #slots = new Map<PeerId, Slot>()
  /** Peers whose offer we answered: they dialled. */
  readonly #answered = new Set<PeerId>()
  readonly #off: () => void

  constructor(options: ManualPairingOptions) {
    this.#signaling = options.signaling
    this.#mesh = options.mesh
    this.#linkTimeoutMs = options.linkTimeoutMs ?? 10 * 60_000
    this.#off = this.#signaling.on('pipe', ({ peer, pipe }) => {
      const dialedBySelf = !this.#answered.delete(peer)
      const link = this.#mesh.attach(peer, pipe, { dialedBySelf })
      let slot = this.#slots.get(peer)
      if (!slot || slot.settled) this.#slots.set(peer, (slot = newSlot()))
      slot.resolve(link)
    })
  }

  async createOffer(): Promise<PairingOffer> {
    const { code, answered } = await this.#signaling.offer()
    return {
      code,
      complete: async (answerCode) => {
        await this.#signaling.acceptAnswer(answerCode.trim())
        const peer = await answered
        return this.#linked(peer)
      },
    }
  }

  async acceptOffer(offerCode: string): Promise<PairingAnswer> {
    const { code, from } = await this.#signaling.answer(offerCode.trim())
    this.#answered.add(from)
    const linked = this.#linked(from)
    linked.catch(() => {})
    return { code, peer: from, linked }
  }

  /** Stops listening; open links stay. */
  close(): void {
    this.#off()
    this.#slots.clear()
  }

  async #linked(peer: PeerId): Promise<PeerId> {
    let slot = this.#slots.get(peer)
    if (!slot) this.#slots.set(peer, (slot = newSlot()))
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no connection to ${peer} within ${this.#linkTimeoutMs} ms`)),
        this.#linkTimeoutMs,
      )
    })
    try {
      const link = await Promise.race([slot.promise, timeout])
      return link.remote
    } finally {
      clearTimeout(timer)
    }
  }
}

function newSlot(): Slot {
  let resolve!: (link: Promise<Link>) => void
  const promise = new Promise<Link>((r) => (resolve = r))
  promise.catch(() => {})
  const slot: Slot = {
    promise,
    resolve: (link) => {
      slot.settled = true
      resolve(link)
    },
    settled: false,
  }
  return slot
}
