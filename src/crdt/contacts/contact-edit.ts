import {
  ALL_ITEM_LISTS,
  ALL_TEXT_FIELDS,
  LIMITS,
  cleanField,
  cleanTag,
  describeField,
  keysOf,
  optionalKeysOf,
  type AnyItemList as ItemList,
  type AnyTextField as TextField,
  type Contact,
  type ContactInput,
} from './contact-model.ts'
import { stored, type StoredContact, type StoredItem } from './contacts-doc.ts'

/** One write to one key: the unit of field-level merge. */
export type EditOp =
  | { kind: 'field'; field: TextField; value: string }
  | { kind: 'item-set'; list: ItemList; item: string; key: string; value: string }
  | { kind: 'item-add'; list: ItemList; item: string; values: Record<string, string> }
  | { kind: 'item-remove'; list: ItemList; item: string }
  | { kind: 'tag-add'; tag: string }
  | { kind: 'tag-remove'; tag: string }

type ItemDraft = { id?: string } & Record<string, string | undefined>

function cleanItem(list: ItemList, item: ItemDraft): Record<string, string> {
  const values = Object.fromEntries(keysOf(list).map((key) => [key, cleanField(key, item[key])]))
  for (const key of optionalKeysOf(list)) {
    const value = cleanField(key, item[key])
    if (value) values[key] = value
  }
  return values
}

function itemsOf(contact: Contact, list: ItemList): ({ id: string } & Record<string, string>)[] {
  return (contact[list] ?? []) as unknown as ({ id: string } & Record<string, string>)[]
}

function isEmpty(list: ItemList, values: Record<string, string>): boolean {
  return keysOf(list).every((key) => key === 'label' || !values[key]?.trim())
}

/**
 * The writes that turn `base` into `edited`: only what the user changed, so that saving a form
 * never overwrites other members' concurrent edits to the fields it did not touch. Items whose
 * values are all empty are dropped; items without a known ID are added under `newId()`.
 */
export function planEdit(base: Contact, edited: ContactInput, newId: () => string): EditOp[] {
  const ops: EditOp[] = []
  for (const field of ALL_TEXT_FIELDS) {
    const value = edited[field]
    if (value === undefined) continue
    const clean = cleanField(field, value)
    if (clean !== (base[field] ?? '')) ops.push({ kind: 'field', field, value: clean })
  }
  for (const list of ALL_ITEM_LISTS) {
    const items = edited[list] as ItemDraft[] | undefined
    if (!items) continue
    const before = new Map<string, Record<string, string>>(
      itemsOf(base, list).map((i) => [i.id, i]),
    )
    const kept = new Set<string>()
    for (const draft of items.slice(0, LIMITS.items)) {
      const values = cleanItem(list, draft)
      const old = draft.id ? before.get(draft.id) : undefined
      if (!old || !draft.id) {
        if (!isEmpty(list, values)) ops.push({ kind: 'item-add', list, item: newId(), values })
        continue
      }
      if (isEmpty(list, values)) continue
      kept.add(draft.id)
      for (const key of [...keysOf(list), ...optionalKeysOf(list)]) {
        if ((values[key] ?? '') !== (old[key] ?? ''))
          ops.push({ kind: 'item-set', list, item: draft.id, key, value: values[key] ?? '' })
      }
    }
    for (const id of before.keys())
      if (!kept.has(id)) ops.push({ kind: 'item-remove', list, item: id })
  }
  if (edited.tags) {
    const next = new Set(edited.tags.map(cleanTag).filter(Boolean).slice(0, LIMITS.tags))
    for (const tag of next) if (!base.tags.includes(tag)) ops.push({ kind: 'tag-add', tag })
    for (const tag of base.tags) if (!next.has(tag)) ops.push({ kind: 'tag-remove', tag })
  }
  return ops
}

function nextRank(items: Record<string, StoredItem>): number {
  let max = 0
  for (const item of Object.values(items))
    if (typeof item.rank === 'number' && item.rank > max) max = item.rank
  return max + 1
}

/**
 * An item as stored: each key an operation of its own, so a key left empty and a rank of 0 (the
 * first item of a new contact) are not written: readers take both as their defaults, and an
 * edit writes the key when it has a value.
 */
function storedItem(values: Record<string, string>, rank: number): StoredItem {
  const item: StoredItem = rank === 0 ? {} : { rank }
  for (const [key, value] of Object.entries(values)) if (value) item[key] = stored(value)
  return item
}

/** Applies `ops` to a contact inside a DocHandle.change callback. */
export function applyEdit(target: StoredContact, ops: readonly EditOp[]): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'field':
        target[op.field] = stored(op.value)
        break
      case 'item-set': {
        const item = target[op.list]?.[op.item]
        if (item) item[op.key] = stored(op.value)
        break
      }
      case 'item-add': {
        const items = (target[op.list] ??= {})
        items[op.item] = storedItem(op.values, nextRank(items))
        break
      }
      case 'item-remove':
        delete target[op.list]?.[op.item]
        break
      case 'tag-add':
        target.tags ??= {}
        target.tags[op.tag] = true
        break
      case 'tag-remove':
        if (target.tags) delete target.tags[op.tag]
        break
    }
  }
}

/**
 * A new stored contact from an input, its items under fresh IDs. Every key written is an
 * operation that each later change and every reader of the document pays for, so what reads as
 * its default is left out (`deletedAt`, empty values, the first item's rank); the contact's own
 * item maps and tags are written even when empty, so that two devices adding a first phone at the
 * same time add to one map rather than each make one of which only one would show.
 */
export function newStoredContact(
  input: ContactInput,
  meta: { at: number; by: string },
  newId: () => string,
): StoredContact {
  const contact: StoredContact = {
    createdAt: meta.at,
    createdBy: stored(meta.by),
    tags: {},
    phones: {},
    emails: {},
    addresses: {},
  }
  for (const field of ALL_TEXT_FIELDS) {
    const value = cleanField(field, input[field])
    if (value) contact[field] = stored(value)
  }
  for (const list of ALL_ITEM_LISTS) {
    let rank = 0
    for (const draft of ((input[list] ?? []) as ItemDraft[]).slice(0, LIMITS.items)) {
      const values = cleanItem(list, draft)
      if (isEmpty(list, values)) continue
      const items = (contact[list] ??= {})
      items[newId()] = storedItem(values, rank++)
    }
  }
  for (const tag of (input.tags ?? []).map(cleanTag).filter(Boolean).slice(0, LIMITS.tags))
    contact.tags[tag] = true
  return contact
}

/** Readable names of the fields `ops` write, for the change note. */
export function describeEdit(base: Contact, ops: readonly EditOp[]): string[] {
  const labelOf = (list: ItemList, id: string, values?: Record<string, string>) =>
    values?.label ?? itemsOf(base, list).find((i) => i.id === id)?.label
  return ops.map((op) => {
    switch (op.kind) {
      case 'field':
        return describeField(op.field)
      case 'item-set':
        return describeField(op.list, labelOf(op.list, op.item), op.key)
      case 'item-add':
        return `new ${describeField(op.list, labelOf(op.list, op.item, op.values))}`
      case 'item-remove':
        return `removed ${describeField(op.list, labelOf(op.list, op.item))}`
      default:
        return describeField('tags')
    }
  })
}
