import { displayNameOf, type Contact, type ValueItem } from '../crdt/contacts/contact-model.ts'
import { dateFor3, dateFor4 } from './vcard-dates.ts'
import { typesForLabel } from './vcard-labels.ts'
import { escapeText, foldLine, paramValue } from './vcard-text.ts'

export type VCardVersion = '3.0' | '4.0'

/** URI-like values (phone numbers, addresses, URLs) are not escaped, but must stay on one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ')
}

/**
 * Writes contacts as one vCard file: CRLF line endings, lines folded at 75 octets, text escaped
 * as RFC 2426 and RFC 6350 ask (`\\`, `\n`, `\;`, `\,`). Labels become TYPE parameters, or
 * Apple's grouped X-ABLabel when custom; groups read from a file keep their name; the lines the
 * model keeps in `extra` are written back as they were read.
 */
export function writeVCards(contacts: readonly Contact[], version: VCardVersion = '3.0'): string {
  return contacts.map((c) => writeCard(c, version)).join('')
}

function writeCard(c: Contact, version: VCardVersion): string {
  const v3 = version === '3.0'
  const extra = c.extra ? c.extra.split('\n').filter((l) => l.trim()) : []
  const lines = ['BEGIN:VCARD', `VERSION:${version}`, 'PRODID:-//Peerplace//Contacts//EN']
  const uid = c.uid || `urn:peerplace:contact:${c.id}`
  lines.push(
    v3 || /^[a-z][a-z0-9+.-]*:/i.test(uid)
      ? `UID:${escapeText(uid)}`
      : `UID;VALUE=text:${escapeText(uid)}`,
  )
  lines.push(`FN:${escapeText(displayNameOf(c))}`)
  const name = [c.family, c.given, c.middle ?? '', c.prefix ?? '', c.suffix ?? '']
  lines.push(`N:${name.map(escapeText).join(';')}`)
  if (c.nickname)
    lines.push(
      `NICKNAME:${c.nickname
        .split(/\s*,\s*/)
        .filter(Boolean)
        .map(escapeText)
        .join(',')}`,
    )
  if (c.org || c.department)
    lines.push(`ORG:${escapeText(c.org)}${c.department ? `;${escapeText(c.department)}` : ''}`)
  if (c.title) lines.push(`TITLE:${escapeText(c.title)}`)
  if (c.birthday) lines.push(dateLine('BDAY', c.birthday, version))
  if (c.anniversary)
    lines.push(dateLine(v3 ? 'X-ANNIVERSARY' : 'ANNIVERSARY', c.anniversary, version))
  if (c.photo) lines.push(photoLine(c.photo, version))

  const groups = new Set<string>()
  const groupOf = (line: string) => /^([A-Za-z0-9-]+)\./.exec(line)?.[1]?.toLowerCase()
  for (const line of extra) groups.add(groupOf(line) ?? '')
  for (const item of [
    ...c.phones,
    ...c.emails,
    ...c.addresses,
    ...(c.urls ?? []),
    ...(c.ims ?? []),
  ])
    if (item.group) groups.add(item.group.toLowerCase())
  let counter = 0
  const newGroup = () => {
    let group = `item${++counter}`
    while (groups.has(group)) group = `item${++counter}`
    groups.add(group)
    return group
  }
  /** Writes `name` with the item's label as TYPE values, or as a grouped X-ABLabel. */
  const labelled = (
    name: string,
    item: { label: string; group?: string },
    value: string,
    extraTypes: string[] = [],
  ) => {
    const types = typesForLabel(item.label, version)
    const custom = types === undefined
    const group = item.group || (custom ? newGroup() : '')
    const all = [...extraTypes, ...(types ?? [])]
    const params = all.length > 0 ? `;TYPE=${all.join(',')}` : ''
    lines.push(`${group ? `${group}.` : ''}${name}${params}:${value}`)
    if (custom) lines.push(`${group}.X-ABLabel:${escapeText(item.label)}`)
  }
  for (const phone of c.phones) labelled('TEL', phone, oneLine(phone.value))
  for (const email of c.emails)
    labelled('EMAIL', email, oneLine(email.value), v3 ? ['INTERNET'] : [])
  for (const a of c.addresses) {
    const parts = [
      a.pobox ?? '',
      a.extended ?? '',
      a.street,
      a.locality,
      a.region,
      a.postcode,
      a.country,
    ]
    labelled('ADR', a, parts.map(escapeText).join(';'))
  }
  for (const url of c.urls ?? []) labelled('URL', url, oneLine(url.value))
  for (const im of c.ims ?? []) imLine(im, lines, labelled)
  if (c.notes) lines.push(`NOTE:${escapeText(c.notes)}`)
  if (c.tags.length > 0) lines.push(`CATEGORIES:${c.tags.map(escapeText).join(',')}`)
  if (c.peer) lines.push(`X-PEERPLACE-PEER:${oneLine(c.peer)}`)
  lines.push(...extra, 'END:VCARD')
  return lines.map(foldLine).join('\r\n') + '\r\n'
}

function imLine(
  im: ValueItem,
  lines: string[],
  labelled: (name: string, item: ValueItem, value: string) => void,
): void {
  const kind = im.kind || 'IMPP'
  const group = im.group ? `${im.group}.` : ''
  const value = oneLine(im.value)
  if (kind === 'IMPP' || kind === 'X-SOCIALPROFILE') {
    const param = kind === 'IMPP' ? 'X-SERVICE-TYPE' : 'TYPE'
    lines.push(`${group}${kind}${im.label ? `;${param}=${paramValue(im.label)}` : ''}:${value}`)
  } else labelled(kind, im, value)
}

function dateLine(name: string, date: string, version: VCardVersion): string {
  if (version === '4.0') return `${name}:${dateFor4(date)}`
  const { value, params } = dateFor3(date)
  return `${name}${params}:${value}`
}

function photoLine(photo: string, version: VCardVersion): string {
  if (version === '4.0') return `PHOTO:${photo}`
  const m = /^data:image\/([A-Za-z0-9.+-]+);base64,(.*)$/.exec(photo)
  if (!m) return `PHOTO;VALUE=uri:${oneLine(photo)}`
  return `PHOTO;ENCODING=b;TYPE=${m[1]!.toUpperCase()}:${m[2]}`
}

/** A file name for an export: the contact's name for one, "contacts" for more. */
export function exportFileName(contacts: readonly Contact[]): string {
  const base = contacts.length === 1 ? displayNameOf(contacts[0]!) : `contacts-${contacts.length}`
  const clean = base
    .replace(/[^\p{L}\p{N} ._-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 60)
  return `${clean || 'contacts'}.vcf`
}
