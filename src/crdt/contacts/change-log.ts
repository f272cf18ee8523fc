import { getChangesMetaSince, getHeads, type Doc, type Heads } from '@automerge/automerge'
import type { Judge } from '../authorship/authorship.ts'
import type { Verdict } from '../../peer/identity/record-proof.ts'
import { decodeNote, decodeProofNote, type ChangeNote, type ChangeOp } from './change-note.ts'
import { bestVerdict, changeClaim } from './change-proof.ts'

/** One readable step of a contact's history. */
export interface HistoryEntry {
  hash: string
  /** The writer's peer ID from the change note; undefined when the change had none. */
  by: string | undefined
  /** Milliseconds since the epoch (Automerge keeps seconds). */
  at: number
  op: ChangeOp
  fields: string[]
  /** Whether the writer's device signed the change (see change-proof.ts). */
  verified: boolean
}

export interface Writer {
  by: string | undefined
  at: number
  /** The hash of the change that wrote it. */
  change: string
}

interface Span extends Writer {
  start: number
  max: number
}

/** A change with a note: what its proofs must vouch for. */
interface NotedChange {
  note: ChangeNote
  actor: string
  /** Automerge's change time, in seconds. */
  time: number
  /** Candidate proofs, from the writer's own later changes (a few at most). */
  proofs: string[]
  /** The last settled verdict, and the epoch it was reached in (see `forgetVerdicts`). */
  verdict?: { value: Verdict; epoch: number }
}

const MAX_PROOFS = 4

/**
 * An index over the document's change metadata, kept up to date incrementally: the changes
 * since the heads seen last are read on each update. It answers who wrote a given operation
 * (each Automerge op ID is `counter@actor`, and each change covers a counter range of one actor)
 * and keeps a bounded, newest-first history per contact.
 */
export class ChangeLog {
  readonly #spans = new Map<string, Span[]>()
  readonly #history = new Map<string, HistoryEntry[]>()
  readonly #noted = new Map<string, NotedChange>()
  #epoch = 0
  readonly #perContact: number
  #heads: Heads = []

  constructor(options: { perContact?: number } = {}) {
    this.#perContact = options.perContact ?? 100
  }

  /** Takes in the changes of `doc` not seen yet; returns how many there were. */
  update(doc: Doc<unknown>): number {
    const metas = getChangesMetaSince(doc, this.#heads)
    this.#heads = getHeads(doc)
    for (const meta of metas) {
      const note = decodeNote(meta.message)
      const at = (meta.time ?? 0) * 1000
      const span: Span = {
        start: meta.startOp,
        max: meta.maxOp,
        by: note?.by,
        at,
        change: meta.hash,
      }
      insertSorted(this.#spans, meta.actor, span)
      if (!note) {
        this.#takeProof(meta.actor, meta.message)
        continue
      }
      this.#noted.set(meta.hash, { note, actor: meta.actor, time: meta.time ?? 0, proofs: [] })
      const entry: HistoryEntry = {
        hash: meta.hash,
        by: note.by,
        at,
        op: note.op,
        fields: note.fields,
        verified: false,
      }
      for (const contact of note.contacts) this.#record(contact, entry)
    }
    return metas.length
  }

  /** Who wrote the operation `counter@actor` (as in the keys of Automerge.getConflicts). */
  writerOf(opId: string): Writer | undefined {
    const at = opId.indexOf('@')
    const counter = Number(opId.slice(0, at))
    const spans = this.#spans.get(opId.slice(at + 1))
    if (at < 1 || !Number.isInteger(counter) || !spans) return undefined
    let lo = 0
    let hi = spans.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const span = spans[mid]!
      if (counter < span.start) hi = mid - 1
      else if (counter > span.max) lo = mid + 1
      else return { by: span.by, at: span.at, change: span.change }
    }
    return undefined
  }

  /**
   * The newest `limit` entries of a contact's history, newest first, each judged now (a
   * verdict still `pending` reads as not verified; the judge's caller looks again later).
   */
  history(contact: string, limit = 20, judge?: Judge): HistoryEntry[] {
    return (this.#history.get(contact) ?? []).slice(0, limit).map((entry) => ({
      ...entry,
      verified: judge !== undefined && this.verdict(entry.hash, judge) === 'genuine',
    }))
  }

  /**
   * Whether the writer named in a change's note signed it; `unsigned` for unnoted changes.
   * Settled verdicts are kept (an import's note can be long to encode again) until a proof of
   * the change arrives or `forgetVerdicts` is called.
   */
  verdict(change: string, judge: Judge): Verdict {
    const noted = this.#noted.get(change)
    if (noted?.verdict?.epoch === this.#epoch) return noted.verdict.value
    const claim = noted && changeClaim(change, noted.note, noted.time)
    if (!noted || !claim) return 'unsigned'
    const value = bestVerdict(noted.proofs.map((proof) => judge(claim, proof)))
    if (value !== 'pending') noted.verdict = { value, epoch: this.#epoch }
    return value
  }

  /** Verdicts may read otherwise now (membership or keys changed): judge again when asked. */
  forgetVerdicts(): void {
    this.#epoch++
  }

  /** Takes a proof note as a candidate proof of the change it names, if by the same device. */
  #takeProof(actor: string, message: string | null | undefined): void {
    const proof = decodeProofNote(message)
    const noted = proof && this.#noted.get(proof.of)
    if (!noted || noted.actor !== actor || noted.proofs.length >= MAX_PROOFS) return
    if (noted.proofs.includes(proof.s)) return
    noted.proofs.push(proof.s)
    delete noted.verdict
  }

  #record(contact: string, entry: HistoryEntry): void {
    let list = this.#history.get(contact)
    if (!list) this.#history.set(contact, (list = []))
    let i = 0
    while (i < list.length && list[i]!.at > entry.at) i++
    list.splice(i, 0, entry)
    if (list.length > this.#perContact) list.length = this.#perContact
  }
}

function insertSorted(map: Map<string, Span[]>, actor: string, span: Span): void {
  let spans = map.get(actor)
  if (!spans) map.set(actor, (spans = []))
  let i = spans.length
  while (i > 0 && spans[i - 1]!.start > span.start) i--
  spans.splice(i, 0, span)
}
