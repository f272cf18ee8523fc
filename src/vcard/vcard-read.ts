import type { ContactInput } from '../crdt/contacts/contact-model.ts'
import { mapCard, type CardLine } from './vcard-card.ts'
import { splitLine, unfoldLines } from './vcard-lines.ts'

export interface VCardProblem {
  /** 1-based line of the file at fault. */
  line: number
  message: string
}

export type VCardImport =
  | {
      ok: true
      contacts: ContactInput[]
      /** Per contact, the properties not mapped to a field (kept as written unless it says). */
      unmapped: string[][]
    }
  | { ok: false; errors: VCardProblem[] }

const VCARD_LIMITS = { chars: 20_000_000, cards: 20_000, errors: 10 } as const

interface RawCard {
  begin: number
  lines: CardLine[]
}

/** A file whose every card was checked: each can be read into a contact (mapCards). */
export type VCardCheck = { ok: true; cards: CheckedCard[] } | { ok: false; errors: VCardProblem[] }

/** A card that passed the file's check (only checkVCards makes them). */
export interface CheckedCard {
  readonly lines: readonly CardLine[]
}

/**
 * Reads a whole vCard file (2.1, 3.0 and 4.0).
 * The file is checked completely first: if anything is malformed, the result lists the lines at
 * fault and no contact at all, so an import never stops half-way.
 */
export function readVCards(text: string): VCardImport {
  const checked = checkVCards(text)
  return checked.ok ? { ok: true, ...mapCards(checked.cards) } : checked
}

/**
 * Checks a whole file without reading its cards' fields (a small part of the work): what passes
 * can be read in chunks, each imported while the next is read, and no card can fail then.
 */
export function checkVCards(text: string): VCardCheck {
  if (text.length > VCARD_LIMITS.chars)
    return fail(1, `The file is too large (over ${VCARD_LIMITS.chars / 1e6} million characters).`)
  const errors: VCardProblem[] = []
  const cards = collectCards(text, errors)
  if (cards.length > VCARD_LIMITS.cards && errors.length === 0)
    return fail(1, `The file has more than ${VCARD_LIMITS.cards} contacts.`)
  if (cards.length === 0 && errors.length === 0)
    return fail(1, 'No vCard in this file: it has no BEGIN:VCARD line.')
  for (const card of cards) {
    if (errors.length >= VCARD_LIMITS.errors) break
    checkCard(card, errors)
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, VCARD_LIMITS.errors) }
  return { ok: true, cards }
}

/** Reads checked cards into contacts, with the properties each could not map. */
export function mapCards(cards: readonly CheckedCard[]): {
  contacts: ContactInput[]
  unmapped: string[][]
} {
  const contacts: ContactInput[] = []
  const unmapped: string[][] = []
  for (const card of cards) {
    const mapped = mapCard(card.lines)
    contacts.push(mapped.contact)
    unmapped.push(mapped.unmapped)
  }
  return { contacts, unmapped }
}

function snippet(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

function fail(line: number, message: string): { ok: false; errors: VCardProblem[] } {
  return { ok: false, errors: [{ line, message }] }
}

function collectCards(text: string, errors: VCardProblem[]): RawCard[] {
  const cards: RawCard[] = []
  let card: RawCard | undefined
  for (const { line, text: content } of unfoldLines(text)) {
    if (errors.length >= VCARD_LIMITS.errors) return cards
    const parts = splitLine(content)
    if (typeof parts === 'string') {
      errors.push({ line, message: `${parts}: “${snippet(content)}”` })
      continue
    }
    const value = parts.value.trim().toUpperCase()
    if (parts.name === 'BEGIN') {
      if (value !== 'VCARD') errors.push({ line, message: `BEGIN:${value} is not a vCard.` })
      else if (card)
        errors.push({
          line,
          message: `A new card begins before the one on line ${card.begin} ended (END:VCARD is missing).`,
        })
      card = { begin: line, lines: [] }
    } else if (parts.name === 'END') {
      if (!card) errors.push({ line, message: 'END:VCARD without a BEGIN:VCARD before it.' })
      else if (value !== 'VCARD')
        errors.push({ line, message: `END:${value} does not close the card.` })
      else cards.push(card)
      card = undefined
    } else if (!card) {
      errors.push({ line, message: 'This line is outside any BEGIN:VCARD … END:VCARD.' })
    } else {
      card.lines.push({ line, text: content, parts })
    }
  }
  if (card) errors.push({ line: card.begin, message: 'This card has no END:VCARD.' })
  return cards
}

function checkCard(card: RawCard, errors: VCardProblem[]): void {
  const version = card.lines.find((l) => l.parts.name === 'VERSION')
  if (!version) {
    errors.push({ line: card.begin, message: 'This card has no VERSION line.' })
    return
  }
  const v = version.parts.value.trim()
  if (!['2.1', '3.0', '4.0'].includes(v)) {
    errors.push({
      line: version.line,
      message: `vCard version ${v.slice(0, 10)} is not supported (2.1, 3.0 and 4.0 are).`,
    })
    return
  }
  if (!card.lines.some(({ parts }) => parts.name === 'FN' || parts.name === 'N'))
    errors.push({ line: card.begin, message: 'This card has no name (neither FN nor N).' })
}
