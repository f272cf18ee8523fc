import type { Authorship, Judge } from '../authorship/authorship.ts'
import { trackingJudge, type TrackingJudge } from '../../peer/identity/tracking-judge.ts'
import type { HistoryEntry } from './change-log.ts'
import type { FieldConflict } from './contact-conflicts.ts'
import type { ContactViews } from './contact-views.ts'

/**
 * Who wrote what in a contact book, as the workplace judges it: a contact's conflicting values
 * and its history, each with whether the writer's device signed the change. Verdicts are read
 * again (`changed`) when membership or keys move, or when checks under way finish.
 */
export class ContactProvenance {
  readonly #views: Pick<ContactViews, 'get' | 'conflictsOf' | 'log'>
  readonly #judge: TrackingJudge<Parameters<Judge>> | undefined
  readonly #offs: ((() => void) | undefined)[]

  constructor(
    views: Pick<ContactViews, 'get' | 'conflictsOf' | 'log'>,
    authorship: Pick<Authorship, 'check' | 'on'> | undefined,
    changed: () => void,
  ) {
    this.#views = views
    this.#judge = authorship && trackingJudge(authorship)
    this.#offs = [
      authorship?.on('change', () => {
        views.log.forgetVerdicts()
        changed()
      }),
      authorship?.on('verified', () => {
        if (this.#judge?.takePending()) changed()
      }),
    ]
  }

  /** A contact's conflicting fields; each value's writer is verified (`verified`) now. */
  conflicts(id: string): FieldConflict[] {
    return this.#views.conflictsOf(id).map((conflict) => ({
      ...conflict,
      values: conflict.values.map((value) => ({
        ...value,
        verified: this.#verified(value.change),
      })),
    }))
  }

  /**
   * Who changed what and when, newest first; a contact always has at least its creation. An
   * entry is `verified` only if the writer's device signed the change; others (older, unsigned
   * changes or forged notes) stay in the history, shown as unverified.
   */
  history(id: string, limit: number): HistoryEntry[] {
    const entries = this.#views.log.history(id, limit, this.#judge?.judge)
    const contact = this.#views.get(id)
    if (contact && !entries.some((e) => e.op === 'add' || e.op === 'import')) {
      if (entries.length >= limit) entries.pop()
      // Only the contact's own (unsigned) field says who made it.
      entries.push({
        hash: '',
        by: contact.createdBy || undefined,
        at: contact.createdAt,
        op: 'add',
        fields: [],
        verified: false,
      })
    }
    return entries
  }

  close(): void {
    this.#offs.forEach((off) => off?.())
  }

  /** Whether the change that wrote something was signed by the writer its note names. */
  #verified(change: string | undefined): boolean {
    if (!change || !this.#judge) return false
    return this.#views.log.verdict(change, this.#judge.judge) === 'genuine'
  }
}
