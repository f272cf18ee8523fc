/**
 * A workplace with a long chat history in a browser profile on disk, for tests that open it
 * cold. The bench's history page (bench/chat-open.ts) writes it under the profile's own device
 * key, signed as the chat signs (the proofs bind the workplace, so the shards are built there,
 * after the workplace is made), in turns of messages (`HistoryOptions.turn`): one change per
 * message took 200 s for 50,000 in a page.
 */
import { join } from 'node:path'
import type { WrittenHistory } from '../../../bench/chat-history-page.ts'
import { writeHistory } from '../../../bench/chat-open.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
/** Messages a member writes in a row (one change each); see `HistoryOptions.turn`. */
const TURN = 25

/** Writes a `messages`-long chat history as the workplace "History" of the profile at `dir`. */
export function seedChatHistory(
  dir: string,
  appUrl: string,
  messages: number,
): Promise<WrittenHistory> {
  return writeHistory(dir, {
    appUrl,
    rootDir: ROOT,
    log: (m) => console.info(`[history] ${m}`),
    messages,
    turn: TURN,
  })
}
