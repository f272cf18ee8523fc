import type { Written } from '../authorship/record-origins.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { ShardDoc } from './chat-doc.ts'
import { receiptKey, type ReceiptKind } from './receipts.ts'
import { str } from './stored-string.ts'

const KINDS: readonly ReceiptKind[] = ['delivered', 'read']

/**
 * Every receipt mark a shard held while this device looked, and (once the shard's history is
 * read) every mark ever written into it. A mark is a signed high-water mark, so the highest
 * genuine one a reader ever wrote holds whatever happened to it since: one another member
 * removed, or overwrote with an older mark of the reader's or a forged one, is read from here
 * (receipts.ts `readMark`), on every device, not only once the reader's device writes it again.
 */
export class ReceiptRecall {
  /** `<kind> <reader> <author>` -> the distinct stored values seen. */
  readonly #values = new Map<string, string[]>()
  /** The receipt maps last looked at (Automerge keeps an unchanged map's object). */
  readonly #maps = new Map<ReceiptKind, unknown>()
  /** How many of the history's writes of each kind are in. */
  readonly #fromHistory = new Map<ReceiptKind, number>()
  #version = 0

  /** Moves on whenever a value not seen before comes in. */
  get version(): number {
    return this.#version
  }

  /** Takes in the marks `doc` holds now and the history's writes (`history`, if read). */
  observe(doc: ShardDoc | undefined, history?: (kind: ReceiptKind) => readonly Written[]): void {
    for (const kind of KINDS) {
      const map: unknown = doc?.[kind]
      if (map !== this.#maps.get(kind)) {
        this.#maps.set(kind, map)
        if (typeof map === 'object' && map !== null) {
          for (const [key, value] of Object.entries(map)) this.#add(kind, key, value)
        }
      }
      if (!history) continue
      const writes = history(kind)
      for (let i = this.#fromHistory.get(kind) ?? 0; i < writes.length; i++) {
        this.#add(kind, writes[i]![0], writes[i]![1])
      }
      this.#fromHistory.set(kind, writes.length)
    }
  }

  /** The values seen for `reader`'s mark of `kind` for `author`, highest timestamp first. */
  values(kind: ReceiptKind, reader: PeerId, author: PeerId): readonly string[] {
    return this.#values.get(`${kind} ${receiptKey(reader, author)}`) ?? []
  }

  #add(kind: ReceiptKind, key: string, value: unknown): void {
    const text = str(value)
    if (text === undefined) return
    const at = `${kind} ${key}`
    const values = this.#values.get(at)
    if (!values) this.#values.set(at, [text])
    else if (values.includes(text)) return
    else {
      // Highest first: a stored mark starts with its fixed-width timestamp.
      const i = values.findIndex((v) => v < text)
      values.splice(i < 0 ? values.length : i, 0, text)
    }
    this.#version++
  }
}
