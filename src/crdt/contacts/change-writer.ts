import { getActorId, getChangesMetaSince, getHeads } from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import type { Authorship } from '../authorship/authorship.ts'
import { decodeNote, encodeNote, encodeProofNote, type ChangeNote } from './change-note.ts'
import { changeClaim } from './change-proof.ts'
import { stored, type ContactsDoc } from './contacts-doc.ts'

/**
 * Writes this device's changes to the contact book: each one Automerge change with its note
 * as the change message, then (once signed) its proof as the message of the next change.
 */
export class ChangeWriter {
  readonly #handle: DocHandle<ContactsDoc>
  readonly #clock: () => number
  readonly #authorship: Pick<Authorship, 'sign'> | undefined
  #signing: Promise<void> = Promise.resolve()

  constructor(options: {
    handle: DocHandle<ContactsDoc>
    clock: () => number
    authorship?: Pick<Authorship, 'sign'> | undefined
  }) {
    this.#handle = options.handle
    this.#clock = options.clock
    this.#authorship = options.authorship
  }

  /** Makes one change with `note` as its message, and signs it (asynchronously). */
  write(note: ChangeNote, fn: (d: ContactsDoc) => void): void {
    const message = encodeNote(note)
    const time = Math.floor(this.#clock() / 1000)
    const before = getHeads(this.#handle.doc())
    this.#handle.change(
      (d) => {
        d.contacts ??= {}
        fn(d)
      },
      { message, time },
    )
    const doc = this.#handle.doc()
    const actor = getActorId(doc)
    // The change just made, if any: Automerge makes none when nothing was written, and the
    // device must never sign a change that is not its own.
    const made = getChangesMetaSince(doc, before).find(
      (meta) => meta.actor === actor && meta.message === message,
    )
    // The note as readers will decode it (trimmed to its limits) is what gets signed.
    const read = decodeNote(message)
    if (made && read) this.#sign(made.hash, read, time)
  }

  /** Resolves once the changes written so far carry their proofs. */
  signed(): Promise<void> {
    return this.#signing
  }

  /** Signs a change and writes the proof (even if the book was closed meanwhile). */
  #sign(hash: string, note: ChangeNote, time: number): void {
    const authorship = this.#authorship
    const claim = changeClaim(hash, note, time)
    if (!authorship || !claim) return
    const { peer: _self, ...unsigned } = claim
    this.#signing = this.#signing
      .then(() => authorship.sign(unsigned))
      .then((proof) => {
        // Readers take proofs from the messages, which no later write can remove; the map
        // entry is the operation the change needs to exist at all.
        this.#handle.change(
          (d) => {
            d.proofs ??= {}
            d.proofs[hash] = stored(proof)
          },
          { message: encodeProofNote({ of: hash, s: proof }), time },
        )
      })
      .catch((error: unknown) => {
        console.warn(`[contacts] could not sign a change: ${String(error)}`)
      })
  }
}
