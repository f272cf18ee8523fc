import type { ImportResult } from './contact-book-api.ts'
import type { ChangeOp } from './change-note.ts'
import { parsePath } from './contact-conflicts.ts'
import { applyEdit, describeEdit, newStoredContact, planEdit } from './contact-edit.ts'
import { planImport, type ImportStep } from './contact-merge.ts'
import { cleanField, describeField, type Contact, type ContactInput } from './contact-model.ts'
import type { ContactViews } from './contact-views.ts'
import { stored, type ContactsDoc } from './contacts-doc.ts'
import { contactFromPeer, type KnownPeer } from './save-as-contact.ts'

export interface ContactWritesOptions {
  self: string
  clock: () => number
  newId: () => string
  /** What the book shows now, which writes start from. */
  views: Pick<ContactViews, 'get' | 'has' | 'all'>
  /** Makes one change with its note (the book refuses while it is still loading). */
  change: (op: ChangeOp, ids: string[], fields: string[], fn: (d: ContactsDoc) => void) => void
}

/**
 * The contact book's operations: each one Automerge change (through `change`, which notes and
 * signs it) planned from the contacts as the book shows them.
 */
export class ContactWrites {
  /** Contacts the change being made creates: new here, so they cannot hold a conflict yet. */
  creating: ReadonlySet<string> = new Set()
  readonly #o: ContactWritesOptions

  constructor(options: ContactWritesOptions) {
    this.#o = options
  }

  /**
   * Adds many contacts in one change (an import is one step of history); `ids` are theirs when
   * the caller chose them (a page that shows the new contact at once).
   */
  addMany(
    inputs: readonly ContactInput[],
    op: 'add' | 'import' = 'import',
    ids: readonly string[] = inputs.map(() => this.#o.newId()),
  ): string[] {
    if (ids.length !== inputs.length) throw new Error('One ID per contact is needed.')
    const at = this.#o.clock()
    this.#o.change(op, [...ids], [], (d) => {
      inputs.forEach((input, i) => {
        d.contacts[ids[i]!] = newStoredContact(input, { at, by: this.#o.self }, this.#o.newId)
      })
    })
    return [...ids]
  }

  /**
   * Imports contacts as one change, merging each into the contact it matches (by UID, else by
   * exact name and a shared phone or email; see contact-merge.ts) instead of adding it again.
   */
  importContacts(inputs: readonly ContactInput[]): ImportResult {
    const live = [...this.#o.views.all()].filter((c) => c.deletedAt === null)
    return this.applyImport(planImport(live, inputs))
  }

  /** Writes planned import steps (ImportMatcher.plan) as one change. */
  applyImport(steps: readonly ImportStep[]): ImportResult {
    const result: ImportResult = { added: [], updated: [], skipped: 0, ids: [] }
    const adds: { id: string; input: ContactInput }[] = []
    const edits: { id: string; ops: ReturnType<typeof planEdit> }[] = []
    for (const step of steps) {
      if (step.kind === 'new') {
        const id = this.#o.newId()
        adds.push({ id, input: step.input })
        result.added.push(id)
        result.ids.push(id)
        continue
      }
      const current = step.kind === 'update' ? this.#o.views.get(step.id) : undefined
      const ops =
        current && step.kind === 'update' ? planEdit(current, step.edited, this.#o.newId) : []
      if (ops.length > 0) {
        edits.push({ id: step.id, ops })
        result.updated.push(step.id)
      } else result.skipped++
      result.ids.push(step.id)
    }
    if (adds.length + edits.length === 0) return result
    const at = this.#o.clock()
    const touched = [...result.added, ...result.updated]
    this.creating = new Set(result.added)
    try {
      this.#o.change('import', touched, [], (d) => {
        for (const { id, input } of adds)
          d.contacts[id] = newStoredContact(input, { at, by: this.#o.self }, this.#o.newId)
        for (const { id, ops } of edits) {
          const target = d.contacts[id]
          if (target) applyEdit(target, ops)
        }
      })
    } finally {
      this.creating = new Set()
    }
    return result
  }

  /**
   * Writes the fields of `edited` that differ from `base` (by default the contact as it is now;
   * pass the version a form was opened with so concurrent edits to other fields are kept).
   * Returns whether anything was written.
   */
  update(id: string, edited: ContactInput, base?: Contact): boolean {
    const current = this.#o.views.get(id)
    if (!current) throw new Error('No such contact.')
    const ops = planEdit(base ?? current, edited, this.#o.newId)
    if (ops.length === 0) return false
    this.#o.change('edit', [id], describeEdit(base ?? current, ops), (d) => {
      const target = d.contacts[id]
      if (target) applyEdit(target, ops)
    })
    return true
  }

  /** Moves a contact to the bin; `restore` undoes it. */
  delete(id: string): void {
    this.#require(id)
    this.#o.change('delete', [id], [], (d) => {
      const target = d.contacts[id]
      if (!target) return
      target.deletedAt = this.#o.clock()
      target.deletedBy = stored(this.#o.self)
    })
  }

  restore(id: string): void {
    this.#require(id)
    this.#o.change('restore', [id], [], (d) => {
      const target = d.contacts[id]
      if (!target) return
      target.deletedAt = null
      delete target.deletedBy
    })
  }

  /**
   * Settles a conflicting field on `value`. The key is deleted and written again in one change:
   * that change supersedes every concurrent value (even when `value` is the one shown, which a
   * plain write of the same scalar would skip).
   */
  resolve(id: string, path: string, value: string): void {
    this.#require(id)
    const at = parsePath(path)
    if (!at) throw new Error(`Not a contact field: ${path}`)
    const key = 'field' in at ? at.field : at.key
    const clean = cleanField(key, value)
    const label =
      'list' in at ? this.#o.views.get(id)?.[at.list].find((i) => i.id === at.item)?.label : ''
    const field = 'field' in at ? describeField(at.field) : describeField(at.list, label, at.key)
    this.#o.change('resolve', [id], [field], (d) => {
      const contact = d.contacts[id]
      const target = 'field' in at ? contact : contact?.[at.list]?.[at.item]
      if (!target) return
      delete (target as Record<string, unknown>)[key]
      ;(target as Record<string, unknown>)[key] = stored(clean)
    })
  }

  /** Makes a contact of a member or nearby device, or returns the one already saved for it. */
  saveAsContact(known: KnownPeer): { id: string; created: boolean } {
    for (const contact of this.#o.views.all())
      if (contact.peer === known.peer && contact.deletedAt === null)
        return { id: contact.id, created: false }
    return {
      id: this.addMany([contactFromPeer(known, new Date(this.#o.clock()))], 'add')[0]!,
      created: true,
    }
  }

  #require(id: string): void {
    if (!this.#o.views.has(id)) throw new Error('No such contact.')
  }
}
