import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChunkStore, LocalFileRecord } from '../src/files/chunk-store.ts'
import { isHashHex, type HashHex } from '../src/files/hashing.ts'
import { isTemporaryName, readFileIfAny, writeFileAtomic } from './atomic-file.ts'

/**
 * A ChunkStore in a folder: `chunks/<2 hex>/<sha-256>` (one file per chunk, so one copy however
 * many files share it), `manifests/<file id>` and `records/<file id>.json`. Every write goes to
 * a temporary name and is renamed into place, so a crash never leaves a truncated chunk under
 * its hash. Temporary files left by a crash are removed when the store opens.
 */
export async function createFsChunkStore(folder: string): Promise<ChunkStore> {
  const chunkPath = (hash: HashHex) => join(folder, 'chunks', hash.slice(0, 2), checked(hash))
  const manifestPath = (id: HashHex) => join(folder, 'manifests', checked(id))
  const recordPath = (id: HashHex) => join(folder, 'records', `${checked(id)}.json`)
  await removeTemporaryFiles(folder)

  const listChunks = async (): Promise<HashHex[]> => {
    const hashes: HashHex[] = []
    for (const prefix of await names(join(folder, 'chunks'))) {
      for (const name of await names(join(folder, 'chunks', prefix))) {
        if (isHashHex(name)) hashes.push(name)
      }
    }
    return hashes
  }

  const readRecord = async (id: HashHex): Promise<LocalFileRecord | undefined> => {
    const bytes = await readFileIfAny(recordPath(id))
    if (!bytes) return undefined
    try {
      const record: unknown = JSON.parse(bytes.toString('utf8'))
      return isRecord(record) && record.fileId === id ? record : undefined
    } catch {
      return undefined
    }
  }

  return {
    getChunk: async (hash) => copy(await readFileIfAny(chunkPath(hash))),
    putChunk: (hash, bytes) => writeFileAtomic(chunkPath(hash), bytes),
    hasChunks: async (hashes) => {
      const stored = new Set(await listChunksFor(hashes))
      return hashes.map((hash) => stored.has(hash))
    },
    deleteChunks: async (hashes) => {
      await Promise.all(hashes.map((hash) => rm(chunkPath(hash), { force: true })))
    },
    chunkHashes: listChunks,
    getManifest: async (id) => copy(await readFileIfAny(manifestPath(id))),
    putManifest: (id, bytes) => writeFileAtomic(manifestPath(id), bytes),
    getRecord: readRecord,
    putRecord: (record) => writeFileAtomic(recordPath(record.fileId), JSON.stringify(record)),
    deleteFile: async (id) => {
      await rm(recordPath(id), { force: true })
      await rm(manifestPath(id), { force: true })
    },
    records: async () => {
      const ids = (await names(join(folder, 'records')))
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length))
        .filter(isHashHex)
      const records = await Promise.all(ids.map(readRecord))
      return records.filter((r): r is LocalFileRecord => r !== undefined)
    },
    close: () => {},
  }

  /** Which of `hashes` are stored, reading each prefix folder once. */
  async function listChunksFor(hashes: readonly HashHex[]): Promise<HashHex[]> {
    const prefixes = new Set(hashes.map((hash) => checked(hash).slice(0, 2)))
    const found: HashHex[] = []
    for (const prefix of prefixes) {
      for (const name of await names(join(folder, 'chunks', prefix))) {
        if (isHashHex(name)) found.push(name)
      }
    }
    return found
  }
}

/** A hash used as a file name: only 64 hex digits, so no path can be smuggled in. */
function checked(hash: HashHex): HashHex {
  if (!isHashHex(hash)) throw new Error('not a SHA-256 in hex')
  return hash
}

function copy(bytes: Buffer | undefined): Uint8Array | undefined {
  return bytes ? new Uint8Array(bytes) : undefined
}

async function names(folder: string): Promise<string[]> {
  try {
    return await readdir(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

async function removeTemporaryFiles(folder: string): Promise<void> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[])
  await Promise.all(
    entries.filter(isTemporaryName).map((name) => rm(join(folder, name), { force: true })),
  )
}

function isRecord(value: unknown): value is LocalFileRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  return (
    isHashHex(r.fileId) &&
    count(r.size) &&
    count(r.chunks) &&
    count(r.count) &&
    typeof r.wanted === 'boolean' &&
    typeof r.updatedAt === 'number'
  )
}
