import type { SelfSyncState } from '../../crdt/sync/workplace-sync.ts'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** The sync badge's words, and a longer sentence for its tooltip. */
export function syncLabel(state: SelfSyncState): { label: string; detail: string } {
  switch (state.state) {
    case 'in-sync':
      return { label: 'In sync', detail: 'Everyone online holds what this device holds.' }
    case 'syncing':
      return {
        label: `Syncing with ${state.pending}`,
        detail: `Exchanging changes with ${plural(state.pending, 'member')}.`,
      }
    case 'alone':
      return {
        label: 'Only you are here',
        detail:
          state.others === 0
            ? 'Nobody else is in this workplace yet: invite someone from People.'
            : state.waiting === 0
              ? 'No other member is online right now.'
              : `No other member is online right now; ${plural(state.waiting, 'change')} will reach them when one is.`,
      }
    case 'offline':
      return {
        label:
          state.waiting === 0 ? 'Offline' : `Offline, ${plural(state.waiting, 'change')} waiting`,
        detail: 'This device cannot reach the network; your changes are kept here until it can.',
      }
  }
}
