/**
 * Every change to the contact book carries a short JSON note as its Automerge change message:
 * who wrote it (the writer's peer ID), what kind of change, which contacts and, readably, which
 * fields. Automerge actor IDs are random per device session, so the note is how a change (and
 * every operation in it, see change-log.ts) maps to a workplace member. A note is read like any
 * data from a peer: validated, and ignored when malformed.
 */
export type ChangeOp = 'add' | 'edit' | 'delete' | 'restore' | 'resolve' | 'import'

export interface ChangeNote {
  by: string
  op: ChangeOp
  /** The contacts the change touched (an import of very many lists only the first ones). */
  contacts: string[]
  /** Human descriptions of the fields written, e.g. "phone (mobile)". */
  fields: string[]
}

const OPS: readonly ChangeOp[] = ['add', 'edit', 'delete', 'restore', 'resolve', 'import']
const MAX_CONTACTS = 5000
const MAX_FIELDS = 40
const APP = 'pp-contacts'

export function encodeNote(note: ChangeNote): string {
  return JSON.stringify({
    app: APP,
    by: note.by,
    op: note.op,
    c: note.contacts.slice(0, MAX_CONTACTS),
    f: [...new Set(note.fields)].slice(0, MAX_FIELDS).map((f) => f.slice(0, 120)),
  })
}

export function decodeNote(message: string | null | undefined): ChangeNote | undefined {
  if (!message || message.length > 400_000 || !message.includes(APP)) return undefined
  let value: unknown
  try {
    value = JSON.parse(message)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { app, by, op, c, f } = value as Record<string, unknown>
  if (app !== APP || typeof by !== 'string' || by.length > 100) return undefined
  if (!OPS.includes(op as ChangeOp)) return undefined
  const strings = (x: unknown, max: number, len: number) =>
    Array.isArray(x)
      ? x
          .filter((s): s is string => typeof s === 'string')
          .slice(0, max)
          .map((s) => s.slice(0, len))
      : []
  return {
    by,
    op: op as ChangeOp,
    contacts: strings(c, MAX_CONTACTS, 64),
    fields: strings(f, MAX_FIELDS, 120),
  }
}

/**
 * The proof of a change (see change-proof.ts) travels as the message of a later change by the
 * same device: change messages are history, so no later write can take a proof away.
 */
export interface ProofNote {
  /** The hash of the change proven. */
  of: string
  /** Its writer's proof. */
  s: string
}

const PROOF_APP = 'pp-contacts-proof'
const HASH = /^[0-9a-f]{64}$/

export function encodeProofNote(note: ProofNote): string {
  return JSON.stringify({ app: PROOF_APP, of: note.of, s: note.s })
}

export function decodeProofNote(message: string | null | undefined): ProofNote | undefined {
  if (!message || message.length > 400 || !message.includes(PROOF_APP)) return undefined
  let value: unknown
  try {
    value = JSON.parse(message)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { app, of, s } = value as Record<string, unknown>
  if (app !== PROOF_APP || typeof of !== 'string' || !HASH.test(of) || typeof s !== 'string') {
    return undefined
  }
  return { of, s }
}
