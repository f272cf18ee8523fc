import { ContactFeed } from '../crdt/contacts/contact-feed.ts'
import { checkVCards, mapCards, type VCardProblem } from './vcard-read.ts'
import type { ParseReply } from './vcard-worker-protocol.ts'

/** Cards in the first chunk (small, so writing starts soon), then in each later one. */
export const FIRST_CHUNK = 100
export const CHUNK = 500

/**
 * Reads a file as the vCard worker does: the whole file is checked first (so a malformed file
 * gives its problems and no contact), then its cards are read and sent in chunks, so the first
 * can be written while the rest are read.
 */
export function streamVCards(
  text: string,
  send: (reply: ParseReply) => void,
  chunks: { first: number; size: number } = { first: FIRST_CHUNK, size: CHUNK },
): void {
  const checked = checkVCards(text)
  if (!checked.ok) return send({ kind: 'checked', ok: false, errors: checked.errors })
  const { cards } = checked
  send({ kind: 'checked', ok: true, total: cards.length })
  for (let at = 0; at < cards.length;) {
    const end = Math.min(cards.length, at + (at === 0 ? chunks.first : chunks.size))
    send({ kind: 'cards', ...mapCards(cards.slice(at, end)) })
    at = end
  }
}

/** A checked file's contacts as they are read, and the properties they could not map. */
export interface VCardStream {
  ok: true
  feed: ContactFeed
  /** Per contact read so far, the properties not mapped to a field. */
  unmapped: string[][]
}

export type VCardStreamStart = VCardStream | { ok: false; errors: VCardProblem[] }

/**
 * The page's end of streamVCards: `checked` settles the start (the file's problems, or a feed
 * of its contacts); each `cards` goes into the feed. Returns whether all cards have come.
 */
export class VCardReceiver {
  readonly started: Promise<VCardStreamStart>
  #stream: VCardStream | undefined
  #start: (start: VCardStreamStart) => void = () => {}
  #refuse: (error: unknown) => void = () => {}

  constructor() {
    this.started = new Promise((resolve, reject) => {
      this.#start = resolve
      this.#refuse = reject
    })
  }

  receive(reply: ParseReply): boolean {
    if (reply.kind === 'checked') {
      if (this.#stream) throw new Error('The vCard reader checked the file twice.')
      if (!reply.ok) {
        this.#start({ ok: false, errors: reply.errors })
        return true
      }
      this.#stream = { ok: true, feed: new ContactFeed(reply.total), unmapped: [] }
      this.#start(this.#stream)
      return false
    }
    const stream = this.#stream
    if (!stream) throw new Error('The vCard reader sent cards before checking the file.')
    stream.feed.push(reply.contacts)
    stream.unmapped.push(...reply.unmapped)
    return stream.feed.received === stream.feed.total
  }

  /** The reader stopped: before the check, the start fails; after, whoever waits for cards. */
  fail(error: unknown): void {
    if (this.#stream) this.#stream.feed.fail(error)
    else this.#refuse(error)
  }
}
