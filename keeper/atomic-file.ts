import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Writes `bytes` to `path` so that a crash at any moment leaves either the old file or the new
 * one, never a partial one: the bytes go to a temporary name in the same folder, are flushed
 * to disk, and the temporary file is renamed over `path`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const file = await open(temporary, 'w')
  try {
    await file.writeFile(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** The file's bytes, or undefined when there is no such file. */
export async function readFileIfAny(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Whether a name in a data folder is a temporary file an interrupted write left behind. */
export function isTemporaryName(name: string): boolean {
  return name.endsWith('.tmp')
}
