/**
 * Which of the loaded messages the chat renders: a long history is rendered from the newest back
 * only as far as the reader looks, since every rendered message costs time when the panel opens.
 */

/** Messages rendered from the newest back until the reader scrolls up; also the step. */
export const WINDOW_PAGE = 40
/** Messages rendered above the "new messages" divider, or a message jumped to, for context. */
export const WINDOW_CONTEXT = 5

/**
 * The index of the oldest message to render. `anchor`, the oldest rendered message, is pinned
 * while the reader looks further back (so arriving messages do not shift what they read);
 * otherwise the newest `page` messages, reaching back to `marker` (the first unread) if older.
 */
export function windowStart(
  messages: readonly { id: string }[],
  options: { anchor?: string | undefined; marker?: string | undefined; page?: number },
): number {
  if (options.anchor !== undefined) {
    const pinned = messages.findIndex((m) => m.id === options.anchor)
    if (pinned >= 0) return pinned
  }
  let start = Math.max(0, messages.length - (options.page ?? WINDOW_PAGE))
  if (options.marker !== undefined) {
    const unread = messages.findIndex((m) => m.id === options.marker)
    if (unread >= 0 && unread < start) start = Math.max(0, unread - WINDOW_CONTEXT)
  }
  return start
}

/** The anchor that renders `steps` more messages before `index` (the oldest rendered, or one
 * to reveal). */
export function anchorBefore(
  messages: readonly { id: string }[],
  index: number,
  steps: number,
): string | undefined {
  return messages[Math.max(0, Math.min(index, messages.length) - steps)]?.id
}
