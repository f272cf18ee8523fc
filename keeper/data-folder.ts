import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readFileIfAny, writeFileAtomic } from './atomic-file.ts'

const PID_FILE = 'keeper.pid'
const RELAYS_FILE = 'relays.json'

/**
 * Makes sure one keeper at a time uses a data folder: `keeper.pid` names the process that
 * owns it. A pid file whose process is gone (a crash, SIGKILL) is taken over.
 */
export async function lockDataFolder(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true })
  const path = join(dataDir, PID_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' })
      return () => rm(path, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = await runningOwner(dataDir)
      if (owner !== undefined)
        throw new Error(`${dataDir} is in use by keeper pid ${owner}`, { cause: error })
      await rm(path, { force: true })
    }
  }
  throw new Error(`could not lock ${dataDir}`)
}

/** The pid of the keeper running on the folder, if one is. */
export async function runningOwner(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, PID_FILE), 'utf8').catch(() => '')
  const pid = Number(text.trim())
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}

/** The relays last used, so a restart needs no --relay. */
export async function savedRelays(dataDir: string): Promise<string[]> {
  const bytes = await readFileIfAny(join(dataDir, RELAYS_FILE))
  if (!bytes) return []
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

export function saveRelays(dataDir: string, relays: readonly string[]): Promise<void> {
  return writeFileAtomic(join(dataDir, RELAYS_FILE), JSON.stringify(relays))
}
