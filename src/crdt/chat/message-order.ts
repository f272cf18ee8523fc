import { compareMessages, type ChatMessage } from './message-view.ts'

/**
 * `messages` sorted (compareMessages), starting from the order of `before` (the last sort): the
 * messages it had come first in that order, new ones after. New messages usually all come after
 * the newest (a live chat): then no sort is needed, else the sort (merge runs) takes about one
 * comparison per message instead of a full sort's log n, for every look at a busy chat.
 */
export function inOrder(messages: ChatMessage[], before: readonly ChatMessage[] | undefined) {
  if (!before || before.length === 0) return messages.sort(compareMessages)
  const now = new Set(messages)
  const kept = before.filter((m) => now.has(m))
  const old = new Set(kept)
  const fresh = messages.filter((m) => !old.has(m)).sort(compareMessages)
  const last = kept.at(-1)
  const appended = last === undefined || fresh.length === 0 || compareMessages(last, fresh[0]!) < 0
  for (const m of fresh) kept.push(m)
  return appended ? kept : kept.sort(compareMessages)
}
