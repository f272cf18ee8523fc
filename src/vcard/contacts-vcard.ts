import type { ContactBook } from '../crdt/contacts/contact-book.ts'
import { readVCards, type VCardProblem } from './vcard-read.ts'
import { exportFileName, writeVCards, type VCardVersion } from './vcard-write.ts'

export type ImportOutcome =
  { ok: true; ids: string[]; ignored: string[] } | { ok: false; errors: VCardProblem[] }

/** Reads a whole vCard file and, only if all of it is valid, adds its contacts in one change. */
export function importVCardFile(book: ContactBook, text: string): ImportOutcome {
  const read = readVCards(text)
  if (!read.ok) return read
  return { ok: true, ids: book.addMany(read.contacts, 'import'), ignored: read.ignored }
}

/** A .vcf file of the given contacts (every live contact when `ids` is not given). */
export function exportVCardFile(
  book: ContactBook,
  ids: readonly string[] | undefined,
  version: VCardVersion,
): { name: string; text: string } {
  const contacts = ids
    ? ids.map((id) => book.get(id)).filter((c) => c !== undefined)
    : book.search()
  return { name: exportFileName(contacts), text: writeVCards(contacts, version) }
}

/** "Line 12: This line has no ":" …" for each problem, for people. */
export function formatProblems(errors: readonly VCardProblem[]): string[] {
  return errors.map((e) => `Line ${e.line}: ${e.message}`)
}
