import type { ContactDetails } from './contacts-worker-protocol.ts'

/** Contacts whose details (conflicts, history) are kept. */
const DETAILS_KEPT = 20

interface Details {
  /** The rows version they were asked at. */
  at: number
  value: ContactDetails | undefined
  asking: boolean
}

/**
 * A contact's conflicts and history as the page holds them (RemoteContactBook): asked of the
 * worker when shown, kept for the last few contacts, and asked again once the worker's rows moved
 * on (`version`). Until a reply comes the last answer (or none) is given; the reply calls
 * `changed`.
 */
export class RemoteContactDetails {
  readonly #ask: (id: string, limit: number) => Promise<unknown>
  readonly #changed: () => void
  readonly #details = new Map<string, Details>()

  constructor(ask: (id: string, limit: number) => Promise<unknown>, changed: () => void) {
    this.#ask = ask
    this.#changed = changed
  }

  /** The details of a contact the page holds (`held`), at rows version `version`. */
  of(id: string, held: boolean, version: number, limit = 30): ContactDetails | undefined {
    let details = this.#details.get(id)
    if (details && (details.asking || details.at === version)) return details.value
    if (!held) return details?.value
    if (!details) {
      if (this.#details.size >= DETAILS_KEPT) this.#details.clear()
      details = { at: 0, value: undefined, asking: false }
      this.#details.set(id, details)
    }
    const asked = details
    asked.at = version
    asked.asking = true
    this.#ask(id, Math.max(limit, 30)).then(
      (value) => {
        asked.asking = false
        asked.value = value as ContactDetails
        this.#changed()
      },
      (error: unknown) => {
        asked.asking = false
        console.warn('contact details not read', error)
      },
    )
    return asked.value
  }
}
