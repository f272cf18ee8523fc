/**
 * Which of the loaded messages the chat renders: a long history is rendered from the newest back
 * only as far as the reader looks, since every rendered message costs time when the panel opens.
 */

/**
 * Messages rendered (at least) from the newest back until the reader scrolls up; also the step
 * of loading older ones.
 */
export const WINDOW_PAGE = 100
/**
 * The window's start moves on in steps of this many messages: between steps, a new message is
 * only appended, and the rows already laid out and painted stay where they are.
 */
export const WINDOW_STEP = 50
/** Messages rendered above the "new messages" divider, or a message jumped to, for context. */
export const WINDOW_CONTEXT = 5

/**
 * The index of the oldest message to render. `anchor`, the oldest rendered message, is pinned
 * while the reader looks further back (so arriving messages do not shift what they read);
 * otherwise the newest `page` messages or up to a step more, reaching back to `marker` (the
 * first unread) if older.
 */
export function windowStart(
  messages: readonly { id: string }[],
  options: { anchor?: string | undefined; marker?: string | undefined; page?: number },
): number {
  if (options.anchor !== undefined) {
    const pinned = messages.findIndex((m) => m.id === options.anchor)
    if (pinned >= 0) return pinned
  }
  const past = messages.length - (options.page ?? WINDOW_PAGE)
  let start = past <= 0 ? 0 : Math.floor(past / WINDOW_STEP) * WINDOW_STEP
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
