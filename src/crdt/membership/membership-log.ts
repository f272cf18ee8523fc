import { Emitter } from '../../lib/emitter.ts'
import { evaluateMembership, type MembershipState, type VerifiedRecord } from './evaluate.ts'
import type { SignedRecord } from './record.ts'
import type { RecordStore } from './record-store.ts'
import { recordError, recordId } from './sign.ts'

export interface MembershipLogEvents extends Record<string, unknown> {
  change: MembershipState
}

/**
 * The verified membership log of one workplace: the union of the records found in its root
 * document and those kept on this device. Unsigned, forged or foreign records never enter it.
 */
export class MembershipLog extends Emitter<MembershipLogEvents> {
  readonly workplace: string
  readonly #store: RecordStore
  readonly #valid = new Map<string, SignedRecord>()
  /** Verdicts by signature, so a record is verified once however often it is seen. */
  readonly #checked = new Map<string, string | null>()
  #state: MembershipState

  constructor(workplace: string, store: RecordStore) {
    super()
    this.workplace = workplace
    this.#store = store
    this.#state = evaluateMembership(workplace, [])
  }

  get state(): MembershipState {
    return this.#state
  }

  /** Loads the records kept on this device. */
  async load(): Promise<void> {
    for (const { record } of await this.#store.all(this.workplace)) await this.#admit(record, false)
    this.#reevaluate()
  }

  /**
   * Takes in records from the document (or a peer); returns the reasons for those refused.
   * Keys are ignored: a record's ID is always computed from its content.
   */
  async ingest(records: Iterable<unknown>): Promise<string[]> {
    const refused: string[] = []
    let added = false
    for (const raw of records) {
      const record = plain(raw)
      const reason = await this.#admit(record, true)
      if (reason === 'added') added = true
      else if (reason) refused.push(reason)
    }
    if (added) this.#reevaluate()
    return refused
  }

  /** Valid records this device holds that the given document map lacks. */
  missingFrom(docRecords: Record<string, unknown> | undefined): VerifiedRecord[] {
    return [...this.#valid]
      .filter(([id]) => !docRecords || !(id in docRecords))
      .map(([id, record]) => ({ id, record }))
  }

  records(): VerifiedRecord[] {
    return [...this.#valid].map(([id, record]) => ({ id, record }))
  }

  async #admit(record: unknown, persist: boolean): Promise<string | null> {
    const key = (record as { sig?: unknown } | null)?.sig
    const cacheKey = typeof key === 'string' ? key : null
    let verdict = cacheKey !== null ? this.#checked.get(cacheKey) : undefined
    if (verdict === undefined) {
      verdict = await recordError(record)
      if (cacheKey !== null) this.#checked.set(cacheKey, verdict)
    }
    if (verdict) return verdict
    const signed = record as SignedRecord
    const id = await recordId(signed)
    if (this.#valid.has(id)) return null
    const foreign =
      signed.body.kind === 'genesis'
        ? id !== this.workplace
        : signed.body.workplace !== this.workplace
    if (foreign) return 'belongs to another workplace'
    // Known only once stored: a record the store refused is taken in again when next offered.
    if (persist) await this.#store.put(this.workplace, id, signed)
    this.#valid.set(id, signed)
    return 'added'
  }

  #reevaluate(): void {
    this.#state = evaluateMembership(this.workplace, this.records())
    this.emit('change', this.#state)
  }
}

/** A detached plain copy of a value read from an Automerge document. */
function plain(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown
  } catch {
    return undefined
  }
}
