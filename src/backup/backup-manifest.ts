import { BackupError } from './backup-error.ts'

/** The first record of a backup: what it holds, for the restore screen and for checking. */
export interface BackupManifest {
  app: 'peerplace'
  createdAt: number
  /** The peer ID of the device the backup was made on (and is restored as). */
  peerId: string
  includesFiles: boolean
  /** Entries per object store when the backup began (a hint: data may change meanwhile). */
  stores: { db: string; store: string; count: number }[]
  /** Workplaces by name, to show before restoring. */
  workplaces: string[]
}

/** The last record: how many STORE_ITEM and LOCAL_SETTING records precede it. */
export interface BackupEnd {
  items: number
  settings: number
}

export function parseManifest(raw: unknown): BackupManifest {
  const bad = () => new BackupError('invalid-content', 'The backup describes itself wrongly.')
  if (typeof raw !== 'object' || raw === null) throw bad()
  const m = raw as Record<string, unknown>
  const stores = Array.isArray(m.stores) ? m.stores : null
  const workplaces = Array.isArray(m.workplaces) ? m.workplaces : null
  if (
    m.app !== 'peerplace' ||
    typeof m.createdAt !== 'number' ||
    typeof m.peerId !== 'string' ||
    typeof m.includesFiles !== 'boolean' ||
    !stores?.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as Record<string, unknown>).db === 'string' &&
        typeof (s as Record<string, unknown>).store === 'string' &&
        typeof (s as Record<string, unknown>).count === 'number',
    ) ||
    !workplaces?.every((w: unknown) => typeof w === 'string')
  ) {
    throw bad()
  }
  return raw as BackupManifest
}

export function parseEnd(raw: unknown): BackupEnd {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  if (!Number.isSafeInteger(e.items) || !Number.isSafeInteger(e.settings)) {
    throw new BackupError('invalid-content', 'The end of the backup is malformed.')
  }
  return { items: e.items as number, settings: e.settings as number }
}
