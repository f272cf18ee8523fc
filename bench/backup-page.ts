/**
 * A page for bench/backup.bench.ts: adds file chunks to this profile's stores, then times a
 * backup of everything (into a Blob) and a restore of it after the app's databases are deleted.
 * Driven through `window.backupBench`.
 */
import { BlobSink } from '../src/backup/byte-sink.ts'
import { APP_DATABASES } from '../src/backup/app-databases.ts'
import { prepareAppDatabases } from '../src/backup/prepare-app-databases.ts'
import { restoreBackup } from '../src/backup/restore-backup.ts'
import { writeBackup } from '../src/backup/write-backup.ts'
import { createIdbChunkStore } from '../src/files/idb-chunk-store.ts'

let saved: Blob | undefined

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

/** Stores `total` bytes of random chunks (not compressible, like most files). */
async function seedFiles(total: number, chunkBytes: number): Promise<number> {
  const store = await createIdbChunkStore()
  let written = 0
  while (written < total) {
    const chunk = new Uint8Array(chunkBytes)
    for (let at = 0; at < chunk.length; at += 65_536) {
      crypto.getRandomValues(chunk.subarray(at, at + 65_536))
    }
    const hash = hex(crypto.getRandomValues(new Uint8Array(32)))
    await store.putChunk(hash as never, chunk)
    written += chunk.length
  }
  store.close()
  return written
}

async function backup(passphrase: string) {
  const sink = new BlobSink()
  let start = 0
  const started = performance.now()
  await writeBackup({
    source: { indexedDB, localStorage },
    sink,
    passphrase,
    // Only shown to people; opening the identity store here would block deleting it below.
    peerId: 'bench',
    includeFiles: true,
    onProgress: (p) => {
      if (p.phase === 'writing' && start === 0) start = performance.now()
    },
  })
  const end = performance.now()
  saved = sink.blob()
  return { bytes: saved.size, ms: end - start, keyMs: start - started }
}

async function clearAndRestore(passphrase: string) {
  if (!saved) throw new Error('no backup made yet')
  for (const { name } of APP_DATABASES) {
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name)
      request.onsuccess = () => resolve()
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error(`deleting ${name} is blocked`))
    })
  }
  let start = 0
  await restoreBackup({
    file: saved,
    passphrase,
    target: { indexedDB, localStorage, prepare: () => prepareAppDatabases(indexedDB) },
    onProgress: (p) => {
      if (p.phase === 'checking' && start === 0) start = performance.now()
    },
  })
  return { bytes: saved.size, ms: performance.now() - start }
}

const driver = { seedFiles, backup, clearAndRestore }

declare global {
  interface Window {
    backupBench: typeof driver
  }
}

window.backupBench = driver
