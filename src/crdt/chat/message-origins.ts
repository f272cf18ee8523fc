import { next as Automerge, type Heads } from '@automerge/automerge/slim'
import type { ShardDoc } from './chat-doc.ts'

/** The fields of a message its author writes once, when posting it (see chat-doc.ts). */
const ORIGINAL_FIELDS = new Set(['a', 't', 'x', 'r', 's'])

/** A message's fields as the change that created its object wrote them. */
export type OriginalFields = Partial<Record<'a' | 't' | 'x' | 'r' | 's', string>>

/**
 * Where each message of a shard came from, read from the shard's change history: for every
 * message object ever created under a message ID, the fields the creating change wrote.
 *
 * Any member can overwrite a field another member wrote (the document is shared), which would
 * hide a message whose signed text no longer matches its proof; no member can rewrite the
 * history. So a reader that finds a message not genuine looks here for the version its author
 * signed. The history is read once and then only what was added since (`getChangesSince`), and
 * only for shards where some message needed it.
 */
export class MessageOrigins {
  #heads: Heads = []
  /** The message maps ever created at the shard's root (a forger may replace the map). */
  readonly #maps = new Set<string>()
  /** Message object ID -> the fields its creating change wrote. */
  readonly #created = new Map<string, OriginalFields>()
  /** Message ID -> its message objects, oldest first. */
  readonly #objects = new Map<string, string[]>()

  /** Whether the history was ever read. */
  get read(): boolean {
    return this.#heads.length > 0
  }

  /** The versions message `id` was created with, oldest first. */
  versions(doc: ShardDoc, id: string): readonly OriginalFields[] {
    this.#catchUp(doc)
    return (this.#objects.get(id) ?? []).map((obj) => this.#created.get(obj)!)
  }

  #catchUp(doc: ShardDoc): void {
    const heads = Automerge.getHeads(doc)
    if (heads.length === this.#heads.length && heads.every((h, i) => h === this.#heads[i])) return
    const current = Automerge.getObjectId(doc.messages)
    if (current) this.#maps.add(current)
    for (const bytes of Automerge.getChangesSince(doc, this.#heads)) {
      const change = Automerge.decodeChange(bytes)
      const made = new Set<string>()
      change.ops.forEach((op, i) => {
        const opId = `${change.startOp + i}@${change.actor}`
        if (op.action !== 'makeMap' && op.action !== 'set') return
        if (op.action === 'makeMap' && op.obj === '_root' && op.key === 'messages') {
          this.#maps.add(opId)
        } else if (
          op.action === 'makeMap' &&
          this.#maps.has(op.obj) &&
          typeof op.key === 'string'
        ) {
          made.add(opId)
          this.#created.set(opId, {})
          const objects = this.#objects.get(op.key) ?? []
          objects.push(opId)
          this.#objects.set(op.key, objects)
        } else if (
          made.has(op.obj) &&
          typeof op.key === 'string' &&
          ORIGINAL_FIELDS.has(op.key) &&
          typeof op.value === 'string'
        ) {
          this.#created.get(op.obj)![op.key as keyof OriginalFields] = op.value
        }
      })
    }
    this.#heads = heads
  }
}
