import ICAL from 'ical.js'
import {
  displayNameOf,
  type ContactInput,
  type PostalAddress,
  type ValueItem,
} from '../crdt/contacts/contact-model.ts'
import { decodeQuotedPrintable } from './quoted-printable.ts'
import { cleanAppleLabel, labelFromTypes } from './vcard-labels.ts'
import { joinLine, splitLine, unfoldLines, type LineParts } from './vcard-lines.ts'

export interface VCardProblem {
  /** 1-based line of the file at fault. */
  line: number
  message: string
}

export type VCardImport =
  { ok: true; contacts: ContactInput[]; ignored: string[] } | { ok: false; errors: VCardProblem[] }

export const VCARD_LIMITS = { chars: 20_000_000, cards: 20_000, errors: 10 } as const

interface RawCard {
  begin: number
  lines: { line: number; parts: LineParts }[]
}

type JProp = [string, Record<string, unknown>, string, ...unknown[]]

/**
 * Reads a whole vCard file (3.0 and 4.0; 2.1-style bare parameters and quoted-printable too).
 * The file is checked completely first: if anything is malformed, the result lists the lines at
 * fault and no contact at all, so an import never stops half-way.
 */
export function readVCards(text: string): VCardImport {
  if (text.length > VCARD_LIMITS.chars)
    return fail(1, `The file is too large (over ${VCARD_LIMITS.chars / 1e6} million characters).`)
  const errors: VCardProblem[] = []
  const cards = collectCards(text, errors)
  if (cards.length > VCARD_LIMITS.cards && errors.length === 0)
    return fail(1, `The file has more than ${VCARD_LIMITS.cards} contacts.`)
  if (cards.length === 0 && errors.length === 0)
    return fail(1, 'No vCard in this file: it has no BEGIN:VCARD line.')
  const contacts: ContactInput[] = []
  const ignored = new Set<string>()
  for (const card of cards) {
    if (errors.length >= VCARD_LIMITS.errors) break
    const contact = readCard(card, errors, ignored)
    if (contact) contacts.push(contact)
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, VCARD_LIMITS.errors) }
  return { ok: true, contacts, ignored: [...ignored].sort() }
}

function snippet(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

function fail(line: number, message: string): VCardImport {
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
      card.lines.push({ line, parts })
    }
  }
  if (card) errors.push({ line: card.begin, message: 'This card has no END:VCARD.' })
  return cards
}

function readCard(
  card: RawCard,
  errors: VCardProblem[],
  ignored: Set<string>,
): ContactInput | undefined {
  const version = card.lines.find((l) => l.parts.name === 'VERSION')
  if (!version) {
    errors.push({ line: card.begin, message: 'This card has no VERSION line.' })
    return undefined
  }
  const v = version.parts.value.trim()
  if (!['2.1', '3.0', '4.0'].includes(v)) {
    errors.push({
      line: version.line,
      message: `vCard version ${v.slice(0, 10)} is not supported (3.0 and 4.0 are).`,
    })
    return undefined
  }
  const design = v === '4.0' ? ICAL.design.vcard : ICAL.design.vcard3
  const props: JProp[] = []
  for (const { line, parts } of card.lines) {
    if (parts.name === 'VERSION') continue
    try {
      props.push(ICAL.parse.property(joinLine(parts), design) as JProp)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      errors.push({
        line,
        message: `It could not be read (${reason.slice(0, 120)}): “${snippet(joinLine(parts))}”`,
      })
    }
  }
  if (!props.some(([name]) => name === 'fn' || name === 'n')) {
    errors.push({ line: card.begin, message: 'This card has no name (neither FN nor N).' })
    return undefined
  }
  return toContact(props, ignored)
}

/** The property's values as strings: structured parts and lists flattened, encodings undone. */
function valuesOf([, params, type, ...values]: JProp): string[] {
  const flat = values.map((value) =>
    Array.isArray(value) ? value.flat().join(',') : String(value ?? ''),
  )
  const qp = String(params.encoding ?? '').toLowerCase() === 'quoted-printable'
  return flat.map((value) => {
    if (qp) return decodeQuotedPrintable(value, String(params.charset ?? 'utf-8'))
    if (type === 'unknown')
      return value.replace(/\\([nN;,\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
    return value.replace(/\\([;,])/g, '$1')
  })
}

/** The parts of a structured value (N, ADR, ORG). */
function partsOf(prop: JProp): string[] {
  const [, params, , value] = prop
  const parts = Array.isArray(value)
    ? value.map((p) => (Array.isArray(p) ? p.join(',') : String(p ?? '')))
    : [String(value ?? '')]
  const qp = String(params.encoding ?? '').toLowerCase() === 'quoted-printable'
  return parts.map((p) =>
    (qp
      ? decodeQuotedPrintable(p, String(params.charset ?? 'utf-8'))
      : p.replace(/\\([;,])/g, '$1')
    ).trim(),
  )
}

function typesOf(params: Record<string, unknown>): string[] {
  const type = params.type
  return (Array.isArray(type) ? type : type === undefined ? [] : [type]).map(String)
}

function toContact(props: JProp[], ignored: Set<string>): ContactInput {
  const groupLabels = new Map<string, string>()
  for (const [name, params, ...rest] of props)
    if (name === 'x-ablabel' && typeof params.group === 'string')
      groupLabels.set(
        params.group.toLowerCase(),
        cleanAppleLabel(valuesOf([name, params, ...rest] as JProp).join(',')),
      )
  const labelOf = (params: Record<string, unknown>) =>
    (typeof params.group === 'string' ? groupLabels.get(params.group.toLowerCase()) : undefined) ??
    labelFromTypes(typesOf(params))
  const c: Required<Pick<ContactInput, 'phones' | 'emails' | 'addresses' | 'tags'>> & ContactInput =
    {
      phones: [],
      emails: [],
      addresses: [],
      tags: [],
    }
  let fn = ''
  const notes: string[] = []
  for (const prop of props) {
    const [name, params] = prop
    switch (name) {
      case 'fn':
        fn = valuesOf(prop).join(',').trim()
        break
      case 'n': {
        const [family = '', given = '', middle = ''] = partsOf(prop)
        c.family = family
        c.given = [given, middle].filter(Boolean).join(' ')
        break
      }
      case 'org':
        c.org = partsOf(prop).filter(Boolean).join(', ')
        break
      case 'title':
        c.title = valuesOf(prop).join(',').trim()
        break
      case 'tel':
        c.phones.push(item(labelOf(params), valuesOf(prop).join(',').replace(/^tel:/i, '').trim()))
        break
      case 'email':
        c.emails.push(
          item(
            labelOf(params),
            valuesOf(prop)
              .join(',')
              .replace(/^mailto:/i, '')
              .trim(),
          ),
        )
        break
      case 'adr': {
        const [
          pobox = '',
          ext = '',
          street = '',
          locality = '',
          region = '',
          postcode = '',
          country = '',
        ] = partsOf(prop)
        const address: Omit<PostalAddress, 'id'> = {
          label: labelOf(params),
          street: [street, ext, pobox].filter(Boolean).join('\n'),
          locality,
          region,
          postcode,
          country,
        }
        c.addresses.push(address)
        break
      }
      case 'note':
        notes.push(valuesOf(prop).join(','))
        break
      case 'categories':
        c.tags.push(
          ...valuesOf(prop)
            .map((t) => t.trim())
            .filter(Boolean),
        )
        break
      case 'x-peerplace-peer':
        c.peer = valuesOf(prop).join('').trim()
        break
      case 'x-ablabel':
        break
      default:
        ignored.add(name.toUpperCase())
    }
  }
  if (notes.length > 0) c.notes = notes.join('\n\n')
  // FN is only kept as a display name when it says more than the name parts would.
  const fallback = displayNameOf({
    display: '',
    given: '',
    family: '',
    org: '',
    title: '',
    notes: '',
    peer: '',
    ...c,
    deletedAt: null,
    deletedBy: '',
  } as Parameters<typeof displayNameOf>[0])
  c.display = fn && fn !== fallback ? fn : ''
  return c
}

function item(label: string, value: string): Omit<ValueItem, 'id'> {
  return { label, value }
}
