import type { PeerId } from '../../peer/ids.ts'
import type { ManualPairing, PairingOffer } from '../../peer/mesh/manual-pairing.ts'
import { errorText } from '../action-status.svelte.ts'
import { classifyScannedText } from '../scan/scanned-code.ts'

/** Where a manual pairing stands; `kind` is also shown to tests as the section's data-state. */
export type PairingStep =
  | { kind: 'start' }
  | { kind: 'making-offer' }
  | { kind: 'offer'; offer: PairingOffer }
  | { kind: 'answering' }
  | { kind: 'answer'; code: string }
  | { kind: 'connecting' }
  | { kind: 'paired'; peer: PeerId }

/**
 * The steps of pairing two devices by carrying two codes, with no server: one device makes an
 * offer code, the other answers it with an answer code, which the first completes. A failed step
 * goes back to where it can be tried again, with the reason in `error`.
 */
export class PairingFlow {
  step: PairingStep = $state({ kind: 'start' })
  /** The offer code being entered (to answer it). */
  offerInput = $state('')
  /** The answer code being entered (to complete this device's offer). */
  answerInput = $state('')
  error = $state('')
  /** Whether the camera is reading a code. */
  scanning = $state(false)

  readonly #pairing: Pick<ManualPairing, 'createOffer' | 'acceptOffer'>
  readonly #onPaired: (peer: PeerId) => void

  constructor(
    pairing: Pick<ManualPairing, 'createOffer' | 'acceptOffer'>,
    onPaired: (peer: PeerId) => void = () => {},
  ) {
    this.#pairing = pairing
    this.#onPaired = onPaired
  }

  /** Makes an offer code to show. */
  makeOffer(): Promise<void> {
    return this.#run(
      async () => {
        this.step = { kind: 'offer', offer: await this.#pairing.createOffer() }
      },
      { kind: 'making-offer' },
      { kind: 'start' },
    )
  }

  /** Answers another device's offer code: shows the answer code, then waits for the link. */
  answerOffer(code: string): Promise<void> {
    return this.#run(
      async () => {
        const answer = await this.#pairing.acceptOffer(code)
        this.step = { kind: 'answer', code: answer.code }
        this.#paired(await answer.linked)
      },
      { kind: 'answering' },
      { kind: 'start' },
    )
  }

  /** Completes this device's `offer` with the other device's answer code. */
  completeOffer(offer: PairingOffer, code: string): Promise<void> {
    return this.#run(
      async () => this.#paired(await offer.complete(code)),
      { kind: 'connecting' },
      { kind: 'offer', offer },
    )
  }

  /**
   * A code read by the camera, handed to `use` when it is a pairing code; true when taken.
   * Anything else is refused with a hint.
   */
  scanned(text: string, use: (code: string) => void): boolean {
    const code = classifyScannedText(text)
    if (code.kind !== 'pairing') {
      this.error = 'That is not a pairing code. Scan the code the other device shows.'
      return false
    }
    this.scanning = false
    use(code.code)
    return true
  }

  startOver(): void {
    this.error = ''
    this.scanning = false
    this.offerInput = ''
    this.answerInput = ''
    this.step = { kind: 'start' }
  }

  async #run(action: () => Promise<void>, whileBusy: PairingStep, fallback: PairingStep) {
    this.error = ''
    this.scanning = false
    this.step = whileBusy
    try {
      await action()
    } catch (e) {
      this.error = errorText(e)
      this.step = fallback
    }
  }

  #paired(peer: PeerId): void {
    this.step = { kind: 'paired', peer }
    this.#onPaired(peer)
  }
}
