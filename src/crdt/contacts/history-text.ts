import type { HistoryEntry } from './change-log.ts'

/** How a peer is named in the contact book's UI: their member name, "You", or a short ID. */
export function nameOfWriter(
  by: string | undefined,
  names: ReadonlyMap<string, string>,
  self?: string,
): string {
  if (!by) return 'Someone'
  if (by === self) return 'You'
  return names.get(by) || `Peer ${by.slice(0, 8)}`
}

/** "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago", or the date. */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.round(hours / 24)
  if (days === 1) return 'yesterday'
  if (days < 7) return `${days} days ago`
  return new Date(at).toISOString().slice(0, 10)
}

function list(fields: readonly string[]): string {
  if (fields.length <= 3) return fields.join(', ')
  return `${fields.slice(0, 3).join(', ')} and ${fields.length - 3} more`
}

/** "Ann changed phone (mobile)", "You added this contact"… without the time. */
export function describeEntry(entry: HistoryEntry, who: string): string {
  switch (entry.op) {
    case 'add':
      return `${who} added this contact`
    case 'import':
      return `${who} imported this contact`
    case 'delete':
      return `${who} deleted this contact`
    case 'restore':
      return `${who} restored this contact`
    case 'resolve':
      return `${who} resolved the conflict in ${list(entry.fields) || 'a field'}`
    case 'edit':
      return `${who} changed ${list(entry.fields) || 'this contact'}`
  }
}
