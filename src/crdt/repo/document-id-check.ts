import { isValidDocumentId } from '@automerge/automerge-repo'

/** How many valid IDs are remembered; past that the memory starts again (a workplace has few). */
const REMEMBERED = 512

/**
 * `isValidDocumentId` with a memory of the IDs already found valid. The library's check decodes
 * the base58 ID and hashes it twice with SHA-256 (its checksum): every pushed change and sync
 * message names its document, so without this the check was a few percent of the documents
 * worker's time per chat message. Only valid IDs are remembered: a peer's invalid ones are
 * checked in full each time and cannot fill the memory.
 */
export class DocumentIdCheck {
  readonly #valid = new Set<string>()

  isValid(id: string): boolean {
    if (this.#valid.has(id)) return true
    if (!isValidDocumentId(id)) return false
    if (this.#valid.size >= REMEMBERED) this.#valid.clear()
    this.#valid.add(id)
    return true
  }
}
