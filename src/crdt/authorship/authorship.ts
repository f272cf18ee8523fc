import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../../peer/identity/identity.ts'
import type { PeerId } from '../../peer/ids.ts'
import { roleAt, type MembershipState } from '../membership/evaluate.ts'
import type { Role } from '../membership/record.ts'
import {
  claimText,
  parseProof,
  signClaim,
  type Claim,
  type Verdict,
} from '../../peer/identity/record-proof.ts'
import type { KeyDirectory } from './key-directory.ts'

/** Judges one record: a claim and its stored proof (see `Authorship.check`). */
export type Judge = (claim: Claim, proof: unknown, required?: Role) => Verdict

export interface AuthorshipEvents extends Record<string, unknown> {
  /** Any verdict may have changed (membership or keys did): `generation` moved on. */
  change: void
  /** Verifications finished: records that were `pending` may read otherwise now. */
  verified: void
}

/**
 * Signs what this device writes into a workplace's documents and judges what others wrote: one
 * place for every feature. Verdicts are cached per record (by proof and signed text), so reading
 * a document again after a change costs a map lookup per record, not a signature check.
 */
export class Authorship extends Emitter<AuthorshipEvents> {
  readonly workplace: string
  readonly #identity: Identity
  readonly #membership: () => MembershipState
  readonly #keys: KeyDirectory
  /** `<proof> <signed text>` -> whether the signature holds. */
  readonly #checked = new Map<string, boolean>()
  readonly #inFlight = new Map<string, Promise<void>>()
  #idle: { promise: Promise<void>; resolve: () => void } | undefined
  /** Bumped whenever a verdict may have changed; readers keep caches per generation. */
  #generation = 0
  /**
   * Verdicts of records with small content (receipts, deletions, reactions), which readers
   * judge again on every change, for one generation and membership state: a repeated check
   * costs building a short key instead of parsing the proof and encoding the signed text.
   * Records with text are kept only while pending: a busy chat's readers look again at every
   * pending message on every change until its signature is checked.
   */
  #verdicts: { generation: number; of: MembershipState | undefined; map: Map<string, Verdict> } = {
    generation: -1,
    of: undefined,
    map: new Map(),
  }
  /**
   * Keys of `#verdicts` that are `pending`, forgotten whenever a verification ends: while one is
   * under way, readers look again at every change (a busy chat's every receipt), and each look
   * would parse the proof and encode the signed text again.
   */
  readonly #pending = new Set<string>()

  constructor(options: {
    workplace: string
    identity: Identity
    membership: () => MembershipState
    keys: KeyDirectory
  }) {
    super()
    this.workplace = options.workplace
    this.#identity = options.identity
    this.#membership = options.membership
    this.#keys = options.keys
    this.#keys.on('change', () => this.invalidate())
  }

  get self(): PeerId {
    return this.#identity.peerId
  }

  get generation(): number {
    return this.#generation
  }

  /** Signs a record this device writes now; returns the proof to store beside it. */
  async sign(claim: Omit<Claim, 'peer'>): Promise<string> {
    const full = { ...claim, peer: this.self }
    const clock = this.#membership().clock
    const proof = await signClaim(this.#identity, this.workplace, full, clock)
    // This device's own records need no check when it reads them back.
    this.#checked.set(`${proof} ${claimText(this.workplace, full, clock)}`, true)
    return proof
  }

  /**
   * Judges a record from its claim and its stored proof, at once: a verification not done yet
   * starts now and reports `pending` (`verified` follows when it is done). Only `pending`
   * verdicts change without `generation` changing.
   */
  check(claim: Claim, proofValue: unknown, required: Role = 'member'): Verdict {
    if (proofValue === undefined || proofValue === null) return 'unsigned'
    const small = isSmall(claim.content)
    const membership = this.#membership()
    if (this.#verdicts.generation !== this.#generation || this.#verdicts.of !== membership) {
      this.#verdicts = { generation: this.#generation, of: membership, map: new Map() }
      this.#pending.clear()
    }
    // A record with text is kept only while pending (below): with nothing pending there is
    // nothing to look up, and its key (a JSON text of all it says) is not worked out for nothing.
    const looked =
      small || this.#pending.size > 0 ? verdictKey(claim, proofValue, required) : undefined
    const known = looked === undefined ? undefined : this.#verdicts.map.get(looked)
    if (known !== undefined) return known
    const verdict = this.#judge(claim, proofValue, required)
    // A record with text (a message) is remembered only while pending: its readers keep their
    // own final verdicts, and a copy of every message's text here would double the chat's.
    if (!small && verdict !== 'pending') return verdict
    const key = looked ?? verdictKey(claim, proofValue, required)
    if (key === undefined) return verdict
    this.#verdicts.map.set(key, verdict)
    if (verdict === 'pending') this.#pending.add(key)
    return verdict
  }

  #judge(claim: Claim, proofValue: unknown, required: Role): Verdict {
    const proof = parseProof(proofValue)
    if (!proof) return 'forged'
    const role = roleAt(this.#membership(), claim.peer, proof.membershipClock)
    if (role === null) return 'not-member'
    if (required === 'owner' && role !== 'owner') return 'not-owner'
    const verify = this.#keys.verifier(claim.peer)
    if (!verify) return 'pending'
    const text = claimText(this.workplace, claim, proof.membershipClock)
    const cacheKey = `${proof.text} ${text}`
    const known = this.#checked.get(cacheKey)
    if (known !== undefined) return known ? 'genuine' : 'forged'
    if (!this.#inFlight.has(cacheKey)) {
      const done = verify(new TextEncoder().encode(text), proof.signature).then((ok) => {
        this.#checked.set(cacheKey, ok)
        this.#inFlight.delete(cacheKey)
        for (const key of this.#pending) this.#verdicts.map.delete(key)
        this.#pending.clear()
        if (this.#inFlight.size === 0) this.#finish()
      })
      this.#inFlight.set(cacheKey, done)
    }
    return 'pending'
  }

  /** Resolves once every verification started so far is done (and `verified` emitted). */
  settled(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve()
    if (!this.#idle) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      this.#idle = { promise, resolve }
    }
    return this.#idle.promise
  }

  /**
   * Resolves at the next `change` or `verified`: when a `pending` verdict may read otherwise.
   * Unlike `settled`, never at once, so waiting on it in a loop cannot spin (a verdict waiting
   * for a key that has not arrived stays pending with nothing under way).
   */
  nextChange(): Promise<void> {
    return new Promise((resolve) => {
      const offs = [this.on('change', done), this.on('verified', done)]
      function done() {
        for (const off of offs) off()
        resolve()
      }
    })
  }

  /** Verdicts may have changed (membership or keys did): readers look again. */
  invalidate(): void {
    this.#generation++
    this.emit('change', undefined)
  }

  #finish(): void {
    this.emit('verified', undefined)
    const idle = this.#idle
    this.#idle = undefined
    idle?.resolve()
  }
}

function isSmall(content: unknown): boolean {
  return content === null || typeof content === 'boolean' || typeof content === 'number'
}

/** Keys a verdict by everything it depends on (the content as given, in its own key order). */
function verdictKey(claim: Claim, proofValue: unknown, required: Role): string | undefined {
  const { content } = claim
  const proof =
    typeof proofValue === 'string'
      ? proofValue
      : typeof proofValue === 'object' && proofValue !== null && 'val' in proofValue
        ? (proofValue as { val: unknown }).val
        : undefined
  if (typeof proof !== 'string') return undefined
  return JSON.stringify([required, proof, claim.doc, claim.key, claim.peer, claim.clock, content])
}
