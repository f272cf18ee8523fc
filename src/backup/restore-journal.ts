/**
 * The mark a restore leaves while it replaces what this device stores: written just before the
 * first thing is cleared, removed once the last thing (the device key) is written. Found at the
 * next start, it means the restore was cut short (a closed tab, a crash): the device holds part
 * of the backup and the app must not start as if it were whole.
 *
 * Its key is outside the `peerplace.` settings, so a restore's own clearing of the settings
 * leaves it, and no backup carries it.
 */
export const RESTORE_JOURNAL_KEY = 'peerplace-restore-journal'

export interface RestoreJournal {
  v: 1
  /** When the restore began writing. */
  startedAt: number
  /** The backup being restored: the device it was made on, when, and its workplaces. */
  peerId: string
  createdAt: number
  workplaces: string[]
}

export function readRestoreJournal(
  storage: Pick<Storage, 'getItem'>,
): RestoreJournal | 'damaged' | undefined {
  const raw = storage.getItem(RESTORE_JOURNAL_KEY)
  if (raw === null) return undefined
  try {
    const value = JSON.parse(raw) as unknown
    return isJournal(value) ? value : 'damaged'
  } catch {
    return 'damaged'
  }
}

export function writeRestoreJournal(
  storage: Pick<Storage, 'setItem'>,
  journal: RestoreJournal,
): void {
  storage.setItem(RESTORE_JOURNAL_KEY, JSON.stringify(journal))
}

export function clearRestoreJournal(storage: Pick<Storage, 'removeItem'>): void {
  storage.removeItem(RESTORE_JOURNAL_KEY)
}

function isJournal(value: unknown): value is RestoreJournal {
  if (typeof value !== 'object' || value === null) return false
  const j = value as Partial<Record<keyof RestoreJournal, unknown>>
  return (
    j.v === 1 &&
    typeof j.startedAt === 'number' &&
    typeof j.peerId === 'string' &&
    typeof j.createdAt === 'number' &&
    Array.isArray(j.workplaces) &&
    j.workplaces.every((name) => typeof name === 'string')
  )
}
