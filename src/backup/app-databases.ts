/** Which part of a backup a database belongs to; 'files' is left out unless asked for. */
export type BackupPart = 'device' | 'documents' | 'direct' | 'files'

/**
 * Peerplace's IndexedDB databases, as their owners name them (src/peer/identity,
 * src/crdt/documents-worker/worker-storage.ts, src/crdt/workplace, src/crdt/membership, src/direct, src/files).
 * A backup holds every object store of each; a restore writes only to these.
 */
export const APP_DATABASES: readonly { name: string; part: BackupPart }[] = [
  { name: 'peerplace-identity', part: 'device' },
  { name: 'peerplace-documents', part: 'documents' },
  { name: 'peerplace-workplaces', part: 'documents' },
  { name: 'peerplace-summaries', part: 'documents' },
  { name: 'peerplace-contact-lists', part: 'documents' },
  { name: 'peerplace-membership', part: 'documents' },
  { name: 'peerplace-direct', part: 'direct' },
  { name: 'peerplace-files', part: 'files' },
]

/** localStorage keys of Peerplace (settings, storage offer, sync state) start with this. */
export const LOCAL_SETTINGS_PREFIX = 'peerplace.'
/** The largest localStorage value a restore accepts. */
export const MAX_LOCAL_SETTING_CHARS = 256 * 1024
