import { countEntries } from './idb-access.ts'

/** What this device holds now, told to the person before a restore replaces it. */
export interface DeviceHoldings {
  workplaces: number
  directMessages: number
  files: number
}

/** Counts what a restore would replace, from the app's open databases. */
export async function countHoldings(databases: Map<string, IDBDatabase>): Promise<DeviceHoldings> {
  const count = async (db: string, store: string) => {
    const database = databases.get(db)
    return database?.objectStoreNames.contains(store) ? countEntries(database, store) : 0
  }
  const [workplaces, directMessages, files] = await Promise.all([
    count('peerplace-workplaces', 'workplaces'),
    count('peerplace-direct', 'messages'),
    count('peerplace-files', 'records'),
  ])
  return { workplaces, directMessages, files }
}

export function holdsData(holdings: DeviceHoldings): boolean {
  return holdings.workplaces + holdings.directMessages + holdings.files > 0
}

/** "2 workplaces, 1 direct message and 5 files", for the confirmation. */
export function describeHoldings(holdings: DeviceHoldings): string {
  const parts = [
    plural(holdings.workplaces, 'workplace'),
    plural(holdings.directMessages, 'direct message'),
    plural(holdings.files, 'file'),
  ].filter((part): part is string => part !== undefined)
  if (parts.length <= 1) return parts[0] ?? 'nothing'
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}

function plural(count: number, noun: string): string | undefined {
  if (count === 0) return undefined
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
