import type { ContactBookApi, ImportProgressOptions } from '../crdt/contacts/contact-book-api.ts'
import type { ContactBook } from '../crdt/contacts/contact-book.ts'
import { readVCardsOffThread } from './parse-vcards.ts'
import { readVCards, type VCardProblem } from './vcard-read.ts'
import { exportFileName, writeVCards, type VCardVersion } from './vcard-write.ts'

/** What an import did: contacts added, updated (merged into), skipped (nothing new). */
export interface ImportReport {
  added: string[]
  updated: string[]
  skipped: number
  /** Every contact the file named, in file order ('' for a card repeating an earlier one). */
  ids: string[]
  /** Property names the import could not map to a field, each with how many cards had it. */
  unmapped: { name: string; count: number }[]
}

export type ImportOutcome = ({ ok: true } & ImportReport) | { ok: false; errors: VCardProblem[] }

/** Counts the unmapped property names over all cards, most frequent first. */
export function countUnmapped(perCard: readonly (readonly string[])[]): ImportReport['unmapped'] {
  const counts = new Map<string, number>()
  for (const names of perCard)
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
}

/**
 * Reads a whole vCard file and, only if all of it is valid, imports its contacts in one change,
 * merging each into a contact the book already has when they match.
 */
export function importVCardFile(book: ContactBook, text: string): ImportOutcome {
  const read = readVCards(text)
  if (!read.ok) return read
  return { ok: true, ...book.importContacts(read.contacts), unmapped: countUnmapped(read.unmapped) }
}

export interface BackgroundImportOptions extends ImportProgressOptions {
  /** Called when the file has been read, before contacts are written. */
  onRead?: (contacts: number) => void
}

/**
 * Like importVCardFile, for files of any size: the file is checked whole, then read in a worker
 * while the contacts read so far are written in batches with progress; `signal` cancels (what
 * was written by then stays, and the report says `cancelled`).
 */
export async function importVCardFileInBackground(
  book: ContactBookApi,
  text: string | Promise<string>,
  options: BackgroundImportOptions = {},
): Promise<
  ({ ok: true; cancelled: boolean } & ImportReport) | { ok: false; errors: VCardProblem[] }
> {
  const read = await readVCardsOffThread(text, options.signal)
  if (!read.ok) return read
  options.onRead?.(read.feed.total)
  const batchOptions: ImportProgressOptions = {}
  if (options.onProgress) batchOptions.onProgress = options.onProgress
  if (options.signal) batchOptions.signal = options.signal
  // The first contacts are written while the worker still reads the rest.
  const result = await book.importInBatches(read.feed, batchOptions)
  return { ok: true, ...result, unmapped: countUnmapped(read.unmapped) }
}

/** A .vcf file of the given contacts (every live contact when `ids` is not given). */
export function exportVCardFile(
  book: Pick<ContactBookApi, 'get' | 'search'>,
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
