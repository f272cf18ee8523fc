/**
 * Messages between the page and the vCard worker (vcard-worker.ts), version 2: the page sends one
 * request with the file's text; the worker checks the whole file and answers `checked` (the
 * number of cards, or the problems), then, if it passed, the cards read as contacts in `cards`
 * chunks, in file order, until all `total` were sent.
 */
import type { ContactInput } from '../crdt/contacts/contact-model.ts'
import type { VCardProblem } from './vcard-read.ts'

export interface ParseRequest {
  v: 2
  kind: 'parse'
  text: string
}

export type ParseReply =
  | { kind: 'checked'; ok: true; total: number }
  | { kind: 'checked'; ok: false; errors: VCardProblem[] }
  /** The next cards: per contact, the properties not mapped to a field. */
  | { kind: 'cards'; contacts: ContactInput[]; unmapped: string[][] }

export function isParseRequest(value: unknown): value is ParseRequest {
  if (typeof value !== 'object' || value === null) return false
  const { v, kind, text } = value as Record<string, unknown>
  return v === 2 && kind === 'parse' && typeof text === 'string'
}

const isArray = Array.isArray

/** The shape of a reply; field values are cleaned again when contacts are stored. */
export function isParseReply(value: unknown): value is ParseReply {
  if (typeof value !== 'object' || value === null) return false
  const reply = value as Record<string, unknown>
  if (reply.kind === 'cards')
    return (
      isArray(reply.contacts) &&
      isArray(reply.unmapped) &&
      reply.contacts.length === reply.unmapped.length &&
      reply.contacts.every((c) => typeof c === 'object' && c !== null) &&
      reply.unmapped.every((names) => isArray(names) && names.every((n) => typeof n === 'string'))
    )
  if (reply.kind !== 'checked') return false
  if (reply.ok === true)
    return typeof reply.total === 'number' && Number.isSafeInteger(reply.total) && reply.total > 0
  return (
    reply.ok === false &&
    isArray(reply.errors) &&
    reply.errors.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).line === 'number' &&
        typeof (e as Record<string, unknown>).message === 'string',
    )
  )
}
