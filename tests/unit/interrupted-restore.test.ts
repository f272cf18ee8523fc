import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { findInterruptedRestore } from '../../src/backup/interrupted-restore.ts'
import { RESTORE_JOURNAL_KEY, writeRestoreJournal } from '../../src/backup/restore-journal.ts'

/** A Storage over a Map (localStorage's shape). */
function memoryStorage(entries: Record<string, string> = {}): Storage {
  const map = new Map(Object.entries(entries))
  return {
    get length() {
      return map.size
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
    clear: () => map.clear(),
  }
}

function createDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, 1)
    request.onupgradeneeded = () => request.result.createObjectStore('records').put('x', 'k')
    request.onsuccess = () => {
      request.result.close()
      resolve()
    }
    request.onerror = () => reject(request.error)
  })
}

const journal = {
  v: 1 as const,
  startedAt: 1,
  peerId: 'PEERABCDEFGH',
  createdAt: 2,
  workplaces: ['Orchard'],
}
const prepareDatabases = async () => {}

describe('a restore cut short', () => {
  it('is found only while its mark is there', () => {
    const localStorage = memoryStorage({ 'peerplace.name': 'Eve' })
    const platform = { indexedDB: new IDBFactory(), localStorage, prepareDatabases }
    expect(findInterruptedRestore(platform)).toBeUndefined()
    writeRestoreJournal(localStorage, journal)
    expect(findInterruptedRestore(platform)?.journal).toEqual(journal)
    // An unreadable mark still means the restore did not finish.
    localStorage.setItem(RESTORE_JOURNAL_KEY, '{not json')
    const damaged = findInterruptedRestore(platform)
    expect(damaged).toBeDefined()
    expect(damaged!.journal).toBeUndefined()
  })

  it('erased: every Peerplace database and setting goes, then the mark; the rest stays', async () => {
    const indexedDB = new IDBFactory()
    for (const name of ['peerplace-identity', 'peerplace-files', 'someone-else']) {
      await createDatabase(indexedDB, name)
    }
    const localStorage = memoryStorage({ 'peerplace.name': 'Eve', 'other.setting': 'kept' })
    writeRestoreJournal(localStorage, journal)
    await findInterruptedRestore({ indexedDB, localStorage, prepareDatabases })!.erase()
    const names = (await indexedDB.databases()).map((d) => d.name)
    expect(names).toEqual(['someone-else'])
    expect(localStorage.getItem('peerplace.name')).toBeNull()
    expect(localStorage.getItem('other.setting')).toBe('kept')
    expect(localStorage.getItem(RESTORE_JOURNAL_KEY)).toBeNull()
  })
})
