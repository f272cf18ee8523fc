import type { WorkplaceSync } from '../../crdt/sync/workplace-sync.ts'
import { coalesceUpdates } from '../coalesce-updates.ts'

/**
 * The sync state moves with every document change (a busy chat: many a second); what shows it
 * is updated at most every 100 ms, the first change of a quiet spell at once.
 */
export function syncUpdates(sync: WorkplaceSync): (update: () => void) => () => void {
  return coalesceUpdates((update) => sync.on('change', update), 100)
}
