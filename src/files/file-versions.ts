import type { FileEntry } from './files-doc.ts'

/** A file by name with its versions, oldest first (version n is `versions[n - 1]`). */
export interface FileVersions {
  name: string
  versions: FileEntry[]
}

/**
 * Groups entries into files by name: adding a file under a name already listed makes a new
 * version of it. Files come newest change first; versions oldest first, in an order every
 * member computes alike (time added, then entry ID).
 */
export function groupVersions(entries: readonly FileEntry[]): FileVersions[] {
  const byName = new Map<string, FileEntry[]>()
  for (const entry of entries) {
    const list = byName.get(entry.name)
    if (list) list.push(entry)
    else byName.set(entry.name, [entry])
  }
  const files = [...byName].map(([name, versions]) => ({
    name,
    versions: versions.sort((a, b) => a.addedAt - b.addedAt || (a.id < b.id ? -1 : 1)),
  }))
  const latest = (f: FileVersions) => f.versions[f.versions.length - 1]!.addedAt
  return files.sort((a, b) => latest(b) - latest(a) || a.name.localeCompare(b.name))
}
