import ICAL from 'ical.js'
import { displayNameOf, type Contact } from '../crdt/contacts/contact-model.ts'
import { typesForLabel } from './vcard-labels.ts'

export type VCardVersion = '3.0' | '4.0'

type JProp = [string, Record<string, unknown>, string, ...unknown[]]

/** Values written raw (X- properties) must stay on one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ')
}

/**
 * Writes contacts as one vCard file (CRLF line endings, lines folded at 75 characters), with
 * ical.js doing the escaping. Labels become TYPE parameters, or Apple's X-ABLabel when custom.
 */
export function writeVCards(contacts: readonly Contact[], version: VCardVersion = '3.0'): string {
  const design = version === '4.0' ? ICAL.design.vcard : ICAL.design.vcard3
  return contacts
    .map((c) => ICAL.stringify.component(toJCard(c, version), design) + '\r\n')
    .join('')
}

function toJCard(c: Contact, version: VCardVersion): [string, JProp[], []] {
  const v3 = version === '3.0'
  const props: JProp[] = [
    ['version', {}, 'text', version],
    ['fn', {}, 'text', displayNameOf(c)],
    ['n', {}, 'text', [c.family, c.given, '', '', '']],
  ]
  if (c.org) props.push(['org', {}, 'text', [c.org]])
  if (c.title) props.push(['title', {}, 'text', c.title])
  let group = 0
  const labelled = (prop: JProp, label: string, extra: string[] = []) => {
    const types = typesForLabel(label, version)
    if (types === undefined) {
      const item = `item${++group}`
      if (extra.length > 0) prop[1].type = extra
      prop[1].group = item
      props.push(prop, ['x-ablabel', { group: item }, 'unknown', oneLine(label)])
      return
    }
    if (extra.length + types.length > 0) prop[1].type = [...extra, ...types]
    props.push(prop)
  }
  for (const phone of c.phones)
    labelled(['tel', {}, v3 ? 'phone-number' : 'text', phone.value], phone.label)
  for (const email of c.emails)
    labelled(['email', {}, 'text', email.value], email.label, v3 ? ['INTERNET'] : [])
  for (const a of c.addresses)
    labelled(
      ['adr', {}, 'text', ['', '', a.street, a.locality, a.region, a.postcode, a.country]],
      a.label,
    )
  if (c.notes) props.push(['note', {}, 'text', c.notes])
  if (c.tags.length > 0) props.push(['categories', {}, 'text', ...c.tags])
  if (c.peer) props.push(['x-peerplace-peer', {}, 'unknown', oneLine(c.peer)])
  return ['vcard', props, []]
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
