import type { JoinStatus } from '../../crdt/workplace/join-status.ts'

/** How long after "You joined …" the banner clears by itself. */
export const JOINED_BANNER_MS = 12_000

/** "1 min 5 s", "40 s": how long a join has been looking. */
function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

/**
 * The join banner's headline and explanation: who can let this device in, that one of them must
 * be online, and how far the search has got.
 */
export function joinWords(status: JoinStatus, now: number): { title: string; detail: string } {
  const name = status.name || 'the workplace'
  switch (status.state) {
    case 'connecting':
    case 'asking': {
      const { progress } = status
      const who =
        progress.decidedBy === 'member'
          ? `Any member of ${name} can let you in with this invite`
          : `An owner of ${name} decides whether to let you in`
      const found =
        progress.reached === 0
          ? 'No member is online yet'
          : `Reached ${progress.reached} device${progress.reached === 1 ? '' : 's'}, waiting for an answer`
      return {
        title:
          status.state === 'connecting' ? `Joining ${name}…` : `Asked to join ${name}; waiting…`,
        detail: `${who}; one of them must have Peerplace open. ${found} (${elapsed(now - progress.since)}, attempt ${progress.rounds}). Keep this page open: you get in as soon as one of them answers.`,
      }
    }
    case 'joining':
      return {
        title: `Accepted! Fetching ${name}…`,
        detail: 'Copying the workplace from a member.',
      }
    case 'joined':
      return { title: `You joined ${name}.`, detail: '' }
    case 'cancelled':
      if (status.unreachedForMs !== undefined) {
        return {
          title: `Could not reach any member of ${name}.`,
          detail: `Stopped after ${elapsed(status.unreachedForMs)}: no member's device could be reached. They may all be offline, or the network between you blocks the connection. Try again when a member is online, check STUN/TURN in Settings, or use Pair a device with a member nearby.`,
        }
      }
      return { title: `You stopped joining ${name}.`, detail: 'You can try again at any time.' }
    case 'refused':
      return {
        title: `Could not join ${name}.`,
        detail: status.canAsk
          ? `${status.message} You can still ask its owners to let you in.`
          : status.message,
      }
  }
}
