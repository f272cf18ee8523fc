import type { ChatMessage } from '../crdt/chat/message-view.ts'
import { saveWindow, type WindowSource } from '../crdt/chat/saved-window.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { PeerId } from '../peer/ids.ts'
import type { WorkplaceSummary } from '../crdt/workplace/summary-store.ts'
import type { WorkplaceSummaries } from './workplace-summaries.ts'

/** What a summary needs of a workplace's chat (WorkplaceChat, or a view of it from a worker). */
export interface SummarizedChat extends WindowSource {
  unreadCount(): number
  on(event: 'change', listener: () => void): () => void
}

const PREVIEW_CHARS = 80

/**
 * The chat's newest message that still has text, how many messages are unread, and its newest
 * messages as shown (the window painted while the chat opens next time).
 */
export function summarizeChat(
  id: string,
  chat: SummarizedChat,
  nameOf: (peer: PeerId) => string,
): WorkplaceSummary {
  const messages = chat.messages()
  let last: ChatMessage | undefined
  for (let i = messages.length - 1; i >= 0 && !last; i--) {
    if (!messages[i]!.deleted) last = messages[i]
  }
  const unread = chat.unreadCount()
  const window = messages.length > 0 ? { window: saveWindow(chat, nameOf, unread) } : {}
  if (!last) return { id, unread, ...window }
  const line = last.text.replace(/\s+/g, ' ').trim()
  return {
    id,
    unread,
    ...window,
    last: {
      at: last.at,
      author: last.author === chat.self ? 'You' : nameOf(last.author),
      preview: line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line,
    },
  }
}

/**
 * Keeps a workplace's summary up to date with its chat: worked out once the chat opens, then
 * at most once per `delayMs` while it changes (a busy chat changes many times a second).
 * Returns the unsubscribe.
 */
export function followChatSummary(options: {
  id: string
  chat: SummarizedChat
  nameOf: (peer: PeerId) => string
  summaries: Pick<WorkplaceSummaries, 'set'>
  delayMs?: number
}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const update = () => {
    timer = undefined
    options.summaries.set(summarizeChat(options.id, options.chat, options.nameOf))
  }
  const soon = () => (timer ??= setTimeout(update, options.delayMs ?? 500))
  const off = options.chat.on('change', soon)
  soon()
  return () => {
    off()
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** What following the chats needs of the app (WorkplacesApp satisfies it). */
export interface SummarizedApp {
  list(): Workplace[]
  featuresOf(wp: Workplace): { chat: Promise<SummarizedChat> }
  on(event: 'change', listener: () => void): () => void
}

/**
 * Follows the chat of every workplace this device is a member of, and forgets the summaries of
 * workplaces it no longer holds. Returns the unsubscribe.
 */
export function followChatSummaries(
  app: SummarizedApp,
  summaries: WorkplaceSummaries,
  delayMs?: number,
): () => void {
  const followed = new Map<string, () => void>()
  let stopped = false
  const track = () => {
    const held = new Set<string>()
    for (const wp of app.list()) {
      held.add(wp.id)
      if (followed.has(wp.id) || !wp.isMember(wp.self)) continue
      const opening = () => {}
      followed.set(wp.id, opening)
      const nameOf = (peer: PeerId) => wp.members().find((m) => m.peer === peer)?.name ?? 'Someone'
      app
        .featuresOf(wp)
        .chat.then((chat) => {
          // Left (or stopped) while its chat opened.
          if (stopped || followed.get(wp.id) !== opening) return
          const off = followChatSummary({
            id: wp.id,
            chat,
            nameOf,
            summaries,
            ...(delayMs === undefined ? {} : { delayMs }),
          })
          followed.set(wp.id, off)
        })
        .catch(() => {}) // WorkplaceFeatures reports it.
    }
    // A workplace no longer held stops being followed first: a summary its chat was about to
    // write would otherwise bring back what is deleted here.
    for (const [id, stop] of followed) {
      if (held.has(id)) continue
      stop()
      followed.delete(id)
    }
    for (const id of summaries.ids()) if (!held.has(id)) summaries.delete(id)
  }
  track()
  const off = app.on('change', track)
  return () => {
    stopped = true
    off()
    for (const stop of followed.values()) stop()
  }
}
