import type { WorkplaceEntry, WorkplaceList } from '../crdt/workplace/workplace-list.ts'

/**
 * The workplaces this device remembers, by name, read from the index without Automerge so the
 * list can be painted first. Empty (with a warning) if the index cannot be read.
 */
export function readSavedWorkplaces(list: WorkplaceList): Promise<WorkplaceEntry[]> {
  return list
    .all()
    .then((entries) => entries.sort((a, b) => a.name.localeCompare(b.name)))
    .catch((error: unknown) => {
      console.warn('the list of workplaces could not be read', error)
      return []
    })
}
