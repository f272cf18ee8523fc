/**
 * Matching imported contacts to the ones a book already has, so importing the same file twice
 * adds nothing: first by vCard UID (a Peerplace export's UID names the contact's ID), then by the
 * exact name shown together with a shared phone number or email address. A match is merged: the
 * file's non-empty fields win, items and tags the contact lacks are added, nothing is removed.
 */
import {
  ALL_ITEM_LISTS,
  ALL_TEXT_FIELDS,
  displayNameOf,
  emptyContact,
  formatAddress,
  type AnyItemList,
  type Contact,
  type ContactInput,
  type PostalAddress,
  type ValueItem,
} from './contact-model.ts'

/** The UID a Peerplace export writes for a contact that had none of its own. */
const PEERPLACE_UID_PREFIX = 'urn:peerplace:contact:'

export type ImportStep =
  | { kind: 'new'; input: ContactInput }
  | { kind: 'update'; id: string; edited: ContactInput }
  /** Nothing new; `id` is '' for a card that repeats an earlier one of the same import. */
  | { kind: 'skip'; id: string }

type AnyItem = Partial<ValueItem & PostalAddress> & { id?: string }

function itemKey(list: AnyItemList, item: AnyItem): string {
  if (list === 'addresses') return formatAddress(item as PostalAddress).toLowerCase()
  const value = (item.value ?? '').trim()
  if (list === 'phones') return value.replace(/[^\d+]/g, '')
  return value.toLowerCase()
}

function asContact(input: ContactInput, id: string): Contact {
  const contact = emptyContact(id) as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(input)) if (value !== undefined) contact[key] = value
  return contact as unknown as Contact
}

/** A contact's match keys: its name shown with each of its phone numbers and email addresses. */
function matchKeys(c: Contact): string[] {
  const name = displayNameOf(c)
  const keys = new Set<string>()
  for (const list of ['phones', 'emails'] as const)
    for (const item of c[list]) {
      const key = itemKey(list, item)
      if (key) keys.add(`${name}\u0000${list}\u0000${key}`)
    }
  return [...keys]
}

/**
 * What importing `input` into a contact that is `base` changes, as an edit for ContactBook.update
 * (undefined when nothing would change).
 */
function mergeEdit(base: Contact, input: ContactInput): ContactInput | undefined {
  const edited: ContactInput = {}
  let changed = false
  for (const field of ALL_TEXT_FIELDS) {
    const value = input[field]?.trim() ? input[field] : undefined
    if (value === undefined || value === (base[field] ?? '')) continue
    // The UID an export made up for this very contact is not a UID of its own.
    if (field === 'uid' && value === PEERPLACE_UID_PREFIX + base.id) continue
    if (field === 'extra') {
      const have = new Set((base.extra ?? '').split('\n'))
      const added = value.split('\n').filter((line) => !have.has(line))
      if (added.length === 0) continue
      edited.extra = [base.extra ?? '', ...added].filter(Boolean).join('\n')
    } else edited[field] = value
    changed = true
  }
  for (const list of ALL_ITEM_LISTS) {
    const incoming = (input[list] ?? []) as AnyItem[]
    if (incoming.length === 0) continue
    const items = ((base[list] ?? []) as AnyItem[]).map((i) => ({ ...i }))
    let listChanged = false
    for (const item of incoming) {
      const key = itemKey(list, item)
      const same = items.find((i) => itemKey(list, i) === key)
      if (!same) {
        const { id: _id, ...fresh } = item
        items.push(fresh)
        listChanged = true
      } else if (item.label && item.label !== same.label) {
        same.label = item.label
        listChanged = true
      }
    }
    if (listChanged) {
      ;(edited as Record<string, unknown>)[list] = items
      changed = true
    }
  }
  const tags = [...new Set([...base.tags, ...(input.tags ?? [])])]
  if (tags.length > base.tags.length) {
    edited.tags = tags
    changed = true
  }
  return changed ? edited : undefined
}

/**
 * The contacts an import may merge into, indexed by UID and by name; kept across the batches of
 * one import (see import-batches.ts) so that it is built once, not once per batch.
 */
export class ImportMatcher {
  readonly #byUid = new Map<string, Contact>()
  /** Contacts by match key (matchKeys), each list in the order they were added. */
  readonly #byKey = new Map<string, Contact[]>()
  /** What each indexed contact is filed under, and its place in the order of adding. */
  readonly #filed = new Map<Contact, { uids: string[]; keys: string[]; order: number }>()
  #added = 0
  /** The contacts the last plan adds (by step), until `settle` swaps in the stored ones. */
  #planned: (Contact | undefined)[] = []

  /** Makes a live contact one that imports may merge into. */
  add(c: Contact): void {
    if (c.deletedAt !== null || this.#filed.has(c)) return
    const uids = [PEERPLACE_UID_PREFIX + c.id, ...(c.uid ? [c.uid] : [])]
    for (const uid of uids) this.#byUid.set(uid, c)
    const keys = matchKeys(c)
    for (const key of keys) {
      const list = this.#byKey.get(key)
      if (list) list.push(c)
      else this.#byKey.set(key, [c])
    }
    this.#filed.set(c, { uids, keys, order: this.#added++ })
  }

  #remove(c: Contact): void {
    const filed = this.#filed.get(c)
    if (!filed) return
    this.#filed.delete(c)
    for (const uid of filed.uids) if (this.#byUid.get(uid) === c) this.#byUid.delete(uid)
    for (const key of filed.keys) {
      const list = this.#byKey.get(key)?.filter((known) => known !== c)
      if (list && list.length > 0) this.#byKey.set(key, list)
      else this.#byKey.delete(key)
    }
  }

  /** The earliest added contact with the same name shown and a shared phone or email. */
  #byNameAndItem(candidate: Contact): Contact | undefined {
    let best: Contact | undefined
    let bestOrder = Infinity
    for (const key of matchKeys(candidate)) {
      const first = this.#byKey.get(key)?.[0]
      const order = first ? this.#filed.get(first)!.order : Infinity
      if (order < bestOrder) [best, bestOrder] = [first, order]
    }
    return best
  }

  /**
   * One step per input, in order. Inputs that match each other (the same card twice in one file)
   * are merged too.
   */
  plan(inputs: readonly ContactInput[]): ImportStep[] {
    const pending = new Map<Contact, number>()
    const steps: ImportStep[] = []
    this.#planned = []
    for (const input of inputs) {
      const candidate = asContact(input, '')
      const match =
        (input.uid ? this.#byUid.get(input.uid) : undefined) ?? this.#byNameAndItem(candidate)
      if (!match) {
        const added = asContact(input, `pending-${steps.length}`)
        pending.set(added, steps.length)
        this.#planned[steps.length] = added
        steps.push({ kind: 'new', input })
        this.add(added)
        continue
      }
      const edited = mergeEdit(match, input)
      const at = pending.get(match)
      if (at !== undefined) {
        // A repeat within the file: folded into the contact being added.
        if (edited) {
          const merged = { ...(steps[at] as { input: ContactInput }).input, ...edited }
          this.#remove(match)
          const replaced = asContact(merged, match.id)
          pending.delete(match)
          pending.set(replaced, at)
          this.#planned[at] = replaced
          this.add(replaced)
          steps[at] = { kind: 'new', input: merged }
        }
        steps.push({ kind: 'skip', id: '' })
      } else if (edited) steps.push({ kind: 'update', id: match.id, edited })
      else steps.push({ kind: 'skip', id: match.id })
    }
    return steps
  }

  /**
   * After the last plan was written, `ids[i]` naming what step i stored: later batches then
   * merge into the stored contacts (with their item IDs) rather than the planned ones.
   */
  settle(ids: readonly string[], get: (id: string) => Contact | undefined): void {
    this.#planned.forEach((planned, i) => {
      if (!planned) return
      this.#remove(planned)
      const stored = ids[i] ? get(ids[i]) : undefined
      if (stored) this.add(stored)
    })
    this.#planned = []
  }
}

/** Plans an import into a book whose contacts are `existing` (see ImportMatcher.plan). */
export function planImport(
  existing: readonly Contact[],
  inputs: readonly ContactInput[],
): ImportStep[] {
  const matcher = new ImportMatcher()
  for (const c of existing) matcher.add(c)
  return matcher.plan(inputs)
}
