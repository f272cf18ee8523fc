import { shortTime } from '../chat/time-format.ts'

let day: Intl.DateTimeFormat | undefined

/** When a workplace was last active: the time today, else the day ("3 Dec"). */
export function activityTime(at: number, now = Date.now()): string {
  const then = new Date(at)
  if (then.toDateString() === new Date(now).toDateString()) return shortTime(then)
  day ??= new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
  return day.format(then)
}

/** "unread messages", for screen readers after the bare count. */
export function unreadWords(count: number): string {
  return `unread message${count === 1 ? '' : 's'}`
}
