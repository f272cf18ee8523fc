import {
  LIMITS,
  displayNameOf,
  type ContactInput,
  type PostalAddress,
  type ValueItem,
} from '../crdt/contacts/contact-model.ts'
import { decodeQuotedPrintable } from './quoted-printable.ts'
import { readDate } from './vcard-dates.ts'
import { cleanAppleLabel, labelFromTypes } from './vcard-labels.ts'
import { paramValues, type LineParts } from './vcard-lines.ts'
import { splitEscaped, unescapeText } from './vcard-text.ts'

/** One content line of a card: where it starts, its unfolded text as written, its parts. */
export interface CardLine {
  line: number
  text: string
  parts: LineParts
}

export interface MappedCard {
  contact: ContactInput
  /** Names of the properties not mapped to a field: kept as written, or (said so) dropped. */
  unmapped: string[]
}

/** IM and social properties, read into `ims` with the property name as the item's kind. */
const IM_PROPS = new Set([
  'IMPP',
  'X-AIM',
  'X-ICQ',
  'X-JABBER',
  'X-MSN',
  'X-YAHOO',
  'X-SKYPE',
  'X-SKYPE-USERNAME',
  'X-GOOGLE-TALK',
  'X-GTALK',
  'X-QQ',
  'X-TWITTER',
  'X-SOCIALPROFILE',
])
const ANNIVERSARY_PROPS = new Set(['ANNIVERSARY', 'X-ANNIVERSARY', 'X-MS-ANNIVERSARY'])
/** Lines about the file rather than the contact: neither kept nor reported. */
const FILE_PROPS = new Set(['VERSION', 'PRODID'])

type Item = Omit<ValueItem, 'id'>
type Address = Omit<PostalAddress, 'id'>

function isQuotedPrintable(parts: LineParts): boolean {
  if (parts.params.length === 0) return false
  return [...paramValues(parts, 'ENCODING'), ...paramValues(parts, 'TYPE')].some(
    (v) => v.toUpperCase() === 'QUOTED-PRINTABLE',
  )
}

/**
 * One text value (or component): quoted-printable decoded, else backslash escapes undone.
 * `quoted` is isQuotedPrintable(parts), when the caller knows it (once per line, not per component).
 */
function decode(parts: LineParts, raw: string, quoted = isQuotedPrintable(parts)): string {
  if (!quoted) return unescapeText(raw)
  return decodeQuotedPrintable(raw, paramValues(parts, 'CHARSET')[0] ?? 'utf-8').replace(
    /\r\n?/g,
    '\n',
  )
}

function text(parts: LineParts): string {
  return decode(parts, parts.value).trim()
}

function components(parts: LineParts, separator: ';' | ','): string[] {
  const quoted = isQuotedPrintable(parts)
  return splitEscaped(parts.value, separator).map((raw) => decode(parts, raw, quoted).trim())
}

/** Samsung's `X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,=42=6F=61=74)` or `X-CUSTOM(Boat)`. */
function samsungLabel(parts: LineParts): string | undefined {
  const custom = parts.params.find((p) => p.name === 'X-CUSTOM')
  if (!custom) return undefined
  const pieces = custom.value.split(',')
  const label = pieces[pieces.length - 1]!.trim()
  if (!pieces.some((p) => /^ENCODING=QUOTED-PRINTABLE$/i.test(p.trim()))) return label
  const charset = pieces.find((p) => /^CHARSET=/i.test(p.trim()))?.split('=')[1] ?? 'utf-8'
  return decodeQuotedPrintable(label, charset).trim()
}

/** A `data:` URL for an inline photo (4.0 data URL, or 2.1/3.0 base64), else undefined. */
function photoOf(parts: LineParts): string | undefined {
  const value = parts.value.replace(/\s+/g, '')
  if (/^data:image\/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/]+=*$/.test(value)) return value
  const encodings = [...paramValues(parts, 'ENCODING'), ...paramValues(parts, 'TYPE')].map((e) =>
    e.toUpperCase(),
  )
  if (!encodings.includes('B') && !encodings.includes('BASE64')) return undefined
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return undefined
  const type = paramValues(parts, 'TYPE')
    .map((t) => t.toLowerCase().replace(/^image\//, ''))
    .find((t) => ['jpeg', 'jpg', 'png', 'gif', 'webp', 'bmp'].includes(t))
  return `data:image/${type === 'jpg' || !type ? 'jpeg' : type};base64,${value}`
}

/** Maps one card's lines to a contact; what it does not model goes to `extra`, as written. */
export function mapCard(lines: readonly CardLine[]): MappedCard {
  const groupLabels = new Map<string, string>()
  for (const { parts } of lines)
    if (parts.name === 'X-ABLABEL' && parts.group)
      groupLabels.set(parts.group.toLowerCase(), cleanAppleLabel(text(parts)))
  const usedGroups = new Set<string>()
  const labelOf = (parts: LineParts): string => {
    const fromGroup = parts.group ? groupLabels.get(parts.group.toLowerCase()) : undefined
    if (fromGroup !== undefined) usedGroups.add(parts.group.toLowerCase())
    return fromGroup ?? samsungLabel(parts) ?? labelFromTypes(paramValues(parts, 'TYPE'))
  }
  // An item remembers its group only when other lines of that group are kept with it (such as
  // Apple's X-ABADR beside an ADR); a group that only carried a label is written afresh.
  const groupSize = new Map<string, number>()
  for (const { parts } of lines)
    if (parts.group && parts.name !== 'X-ABLABEL')
      groupSize.set(parts.group.toLowerCase(), (groupSize.get(parts.group.toLowerCase()) ?? 0) + 1)
  const withGroup = <T extends object>(parts: LineParts, item: T): T =>
    (groupSize.get(parts.group.toLowerCase()) ?? 0) > 1 ? { ...item, group: parts.group } : item

  const c: ContactInput = {}
  const phones: Item[] = []
  const emails: Item[] = []
  const urls: Item[] = []
  const ims: Item[] = []
  const addresses: Address[] = []
  const tags: string[] = []
  const notes: string[] = []
  const extra: CardLine[] = []
  const unmapped: string[] = []
  let fn = ''

  for (const line of lines) {
    const { parts } = line
    const name = parts.name
    if (FILE_PROPS.has(name) || name === 'X-ABLABEL') continue
    if (name === 'FN') fn = text(parts)
    else if (name === 'N') {
      const [family = '', given = '', middle = '', prefix = '', suffix = ''] = components(
        parts,
        ';',
      )
      Object.assign(c, { family, given, middle, prefix, suffix })
    } else if (name === 'ORG') {
      const [org = '', ...units] = components(parts, ';')
      c.org = org
      c.department = units.filter(Boolean).join(', ')
    } else if (name === 'TITLE' && !c.title) c.title = text(parts)
    else if (name === 'NICKNAME' && !c.nickname)
      c.nickname = components(parts, ',').filter(Boolean).join(', ')
    else if (name === 'TEL')
      phones.push(
        withGroup(parts, { label: labelOf(parts), value: text(parts).replace(/^tel:/i, '') }),
      )
    else if (name === 'EMAIL')
      emails.push(
        withGroup(parts, { label: labelOf(parts), value: text(parts).replace(/^mailto:/i, '') }),
      )
    else if (name === 'URL')
      urls.push(withGroup(parts, { label: labelOf(parts), value: text(parts) }))
    else if (IM_PROPS.has(name)) {
      const service = paramValues(parts, 'X-SERVICE-TYPE')[0]
      const label = service ?? labelOf(parts)
      ims.push(withGroup(parts, { label, value: text(parts), kind: name }))
    } else if (name === 'ADR') {
      const [
        pobox = '',
        extended = '',
        street = '',
        locality = '',
        region = '',
        postcode = '',
        country = '',
      ] = components(parts, ';')
      const address: Address = {
        label: labelOf(parts),
        street,
        locality,
        region,
        postcode,
        country,
      }
      if (extended) address.extended = extended
      if (pobox) address.pobox = pobox
      addresses.push(withGroup(parts, address))
    } else if (name === 'NOTE') notes.push(text(parts))
    else if (name === 'CATEGORIES') {
      // One at a time: spread into push, a long list overflows the stack.
      for (const tag of components(parts, ',')) if (tag) tags.push(tag)
    } else if (name === 'UID' && !c.uid) c.uid = text(parts)
    else if (name === 'X-PEERPLACE-PEER') c.peer = text(parts)
    else if (name === 'BDAY' && !c.birthday && readDate(text(parts), omitYear(parts)))
      c.birthday = readDate(text(parts), omitYear(parts))!
    else if (
      (ANNIVERSARY_PROPS.has(name) ||
        (name === 'X-ABDATE' && groupLabels.get(parts.group.toLowerCase()) === 'anniversary')) &&
      !c.anniversary &&
      readDate(text(parts), omitYear(parts))
    ) {
      if (parts.group) usedGroups.add(parts.group.toLowerCase())
      c.anniversary = readDate(text(parts), omitYear(parts))!
    } else if (name === 'PHOTO' && !c.photo && photoOf(parts)) {
      const photo = photoOf(parts)!
      if (photo.length <= LIMITS.photo) c.photo = photo
      else unmapped.push(`PHOTO (${Math.round(photo.length / 1024)} KB, too large to keep)`)
    } else extra.push(line)
  }
  // A label line whose property was not mapped stays with it.
  for (const line of lines)
    if (line.parts.name === 'X-ABLABEL' && !usedGroups.has(line.parts.group.toLowerCase()))
      extra.push(line)
  extra.sort((a, b) => a.line - b.line)

  let kept = 0
  const keptLines: string[] = []
  for (const line of extra) {
    if (kept + line.text.length + 1 > LIMITS.extra) {
      unmapped.push(`${line.parts.name} (not kept: too much unrecognised data)`)
      continue
    }
    kept += line.text.length + 1
    keptLines.push(line.text)
    unmapped.push(line.parts.name)
  }
  if (keptLines.length > 0) c.extra = keptLines.join('\n')
  if (notes.length > 0) c.notes = notes.join('\n\n')
  Object.assign(c, { phones, emails, addresses, tags })
  if (urls.length > 0) c.urls = urls
  if (ims.length > 0) c.ims = ims
  // FN is kept as a display name only when it says more than the name parts would.
  const fallback = displayNameOf({
    display: '',
    given: c.given ?? '',
    family: c.family ?? '',
    org: c.org ?? '',
    title: '',
    notes: '',
    peer: '',
    phones: phones as ValueItem[],
    emails: emails as ValueItem[],
    addresses: [],
    tags: [],
    deletedAt: null,
    deletedBy: '',
  })
  c.display = fn && fn !== fallback ? fn : ''
  return { contact: c, unmapped: [...new Set(unmapped)] }
}

function omitYear(parts: LineParts): string | undefined {
  return paramValues(parts, 'X-APPLE-OMIT-YEAR')[0]
}
