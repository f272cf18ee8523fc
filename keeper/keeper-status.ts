import { join } from 'node:path'
import { readFileIfAny, writeFileAtomic } from './atomic-file.ts'

/** What a running keeper reports about itself, written to `status.json` in its data folder. */
export interface KeeperStatus {
  peer: string
  name: string
  pid: number
  updatedAt: string
  /** The first-contact signaling's state ('open' when a relay is reached). */
  signaling: string
  workplaces: {
    id: string
    name: string
    members: number
    /** Display names of the members online now, the keeper left out. */
    online: string[]
    /** Whether the keeper is the workplace's Syncer. */
    syncer: boolean
    documents: number
    /** The root document's heads, sorted (for tests and benchmarks to see what it holds). */
    rootHeads: string[]
  }[]
  /** Files held in full, and their bytes. */
  files: number
  bytes: number
  storageBytes: number
  /** Set once the keeper stopped. */
  stoppedAt?: string
}

export const statusPath = (dataDir: string) => join(dataDir, 'status.json')

export function writeStatus(dataDir: string, status: KeeperStatus): Promise<void> {
  return writeFileAtomic(statusPath(dataDir), `${JSON.stringify(status, null, 2)}\n`)
}

export async function readStatus(dataDir: string): Promise<KeeperStatus | undefined> {
  const bytes = await readFileIfAny(statusPath(dataDir))
  if (!bytes) return undefined
  try {
    const value = JSON.parse(bytes.toString('utf8')) as KeeperStatus
    if (typeof value !== 'object' || value === null || !Array.isArray(value.workplaces))
      return undefined
    return value
  } catch {
    return undefined
  }
}

/** The status as `npm run keeper -- status` prints it. */
export function formatStatus(status: KeeperStatus, running: boolean): string {
  const lines = [
    `keeper ${status.name} (peer ${status.peer})`,
    running
      ? `running as pid ${status.pid}, signaling ${status.signaling}, status of ${status.updatedAt}`
      : `not running${status.stoppedAt ? ` (stopped ${status.stoppedAt})` : ''}; last status of ${status.updatedAt}`,
    `files held: ${status.files} (${formatBytes(status.bytes)} of ${formatBytes(status.storageBytes)} offered)`,
    `workplaces: ${status.workplaces.length}`,
  ]
  for (const wp of status.workplaces) {
    const online = wp.online.length > 0 ? wp.online.join(', ') : 'nobody'
    lines.push(
      `  ${wp.name} (${wp.id}): ${wp.members} members, online: ${online}; ${wp.documents} documents${wp.syncer ? '; Syncer' : ''}`,
    )
  }
  return lines.join('\n')
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`
}

/** Reads `20GB`, `500 MB`, `1.5TB` or a plain byte count (decimal units, as disks are sold). */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?\s*$/i.exec(text)
  if (!match) throw new Error(`not a size: ${text} (try 20GB)`)
  const unit = UNITS.indexOf((match[2]?.toUpperCase() ?? 'B') as (typeof UNITS)[number])
  const bytes = Math.floor(Number(match[1]) * 1000 ** unit)
  if (!Number.isSafeInteger(bytes)) throw new Error(`size too large: ${text}`)
  return bytes
}
