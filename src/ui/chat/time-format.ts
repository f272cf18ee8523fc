/**
 * Message times as the chat shows them. `Date.toLocaleTimeString` with options builds a new
 * formatter on every call (slow when hundreds of messages render); these are built once, on
 * first use, in the browser's locale.
 */
let short: Intl.DateTimeFormat | undefined
let full: Intl.DateTimeFormat | undefined

/** The last minute formatted: a chat's rows mostly fall in the same minute as the row before. */
let lastShort: { minute: number; text: string } | undefined

/** Hours and minutes, e.g. "14:05". */
export function shortTime(date: Date): string {
  // Formatting costs a fifth of a millisecond: rows in the same minute share it.
  const minute = Math.floor(date.getTime() / 60_000)
  if (lastShort?.minute === minute) return lastShort.text
  short ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
  // An invalid date throws here, so it is never kept.
  const text = short.format(date)
  lastShort = { minute, text }
  return text
}

/** Date and time to the second, as `Date.toLocaleString()` gives them. */
export function fullTime(date: Date): string {
  full ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  return full.format(date)
}
