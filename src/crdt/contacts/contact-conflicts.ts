import { getConflicts, type Doc } from '@automerge/automerge'
import type { ChangeLog } from './change-log.ts'
import {
  ITEM_LISTS,
  TEXT_FIELDS,
  describeField,
  isItemList,
  isTextField,
  keysOf,
  type ItemList,
  type TextField,
} from './contact-model.ts'
import { isId, readText } from './contacts-doc.ts'

/** One of the values concurrently written to a field. */
interface ConflictValue {
  value: string
  /** The writer's peer ID, when the change carried a note. */
  by: string | undefined
  at: number | undefined
  /** The change that wrote the value (to judge its writer by). */
  change: string | undefined
  /** Whether `by`'s device signed that change (set when read, see ContactBook.conflicts). */
  verified: boolean
  /** Whether this is the value Automerge currently shows. */
  current: boolean
}

/** A field of a contact that holds more than one concurrently written value. */
export interface FieldConflict {
  contact: string
  /** `given`, `phones.<item>.value`, `addresses.<item>.street`… */
  path: string
  /** Readable, e.g. "phone (mobile)". */
  field: string
  values: ConflictValue[]
}

export type FieldPath = { field: TextField } | { list: ItemList; item: string; key: string }

export function parsePath(path: string): FieldPath | undefined {
  const parts = path.split('.')
  if (parts.length === 1 && isTextField(parts[0]!)) return { field: parts[0] }
  const [list, item, key] = parts
  if (parts.length !== 3 || !list || !item || !key) return undefined
  if (!isItemList(list) || !isId(item) || !keysOf(list).includes(key)) return undefined
  return { list, item, key }
}

function conflictAt(
  object: Doc<unknown>,
  key: string,
  log: ChangeLog,
): ConflictValue[] | undefined {
  const all = getConflicts(object, key)
  if (!all) return undefined
  const entries = Object.entries(all)
  if (entries.length < 2) return undefined
  const current = readText((object as Record<string, unknown>)[key])
  const values = entries.map(([opId, value]) => {
    const writer = log.writerOf(opId)
    return {
      value: readText(value),
      by: writer?.by,
      at: writer?.at,
      change: writer?.change,
      verified: false,
      current: false,
    }
  })
  if (values.every((v) => v.value === values[0]!.value)) return undefined
  const shown = values.find((v) => v.value === current)
  if (shown) shown.current = true
  return values.sort((a, b) => Number(b.current) - Number(a.current) || (b.at ?? 0) - (a.at ?? 0))
}

/**
 * The conflicting fields of one stored contact. Automerge keeps every concurrent write to a key
 * (getConflicts, keyed by op ID); the change log maps each op ID to the member who wrote it.
 */
export function conflictsOf(contact: string, raw: unknown, log: ChangeLog): FieldConflict[] {
  if (typeof raw !== 'object' || raw === null) return []
  const object = raw as Doc<Record<string, unknown>>
  const found: FieldConflict[] = []
  for (const field of TEXT_FIELDS) {
    if (!(field in object)) continue
    const values = conflictAt(object, field, log)
    if (values) found.push({ contact, path: field, field: describeField(field), values })
  }
  for (const list of ITEM_LISTS) {
    const items = object[list]
    if (typeof items !== 'object' || items === null) continue
    for (const [id, item] of Object.entries(items as Record<string, unknown>)) {
      if (typeof item !== 'object' || item === null) continue
      const label = readText((item as Record<string, unknown>).label)
      for (const key of keysOf(list)) {
        if (!(key in item)) continue
        const values = conflictAt(item as Doc<unknown>, key, log)
        if (values)
          found.push({
            contact,
            path: `${list}.${id}.${key}`,
            field: describeField(list, key === 'label' ? undefined : label, key),
            values,
          })
      }
    }
  }
  return found
}
