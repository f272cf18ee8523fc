import type { Clock, ClockTimer } from '../../lib/clock.ts'
import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'

/**
 * How long a link whose path is back may go without an answer to its ping before a fresh link
 * is dialled beside it: a transport that retransmits at once is answered within a round trip.
 */
export const PATH_BACK_GRACE_MS = 250

export interface PathRefreshArgs {
  readonly self: PeerId
  readonly link: Link
  readonly clock: Clock
  /** Whether `link` is still the peer's link (and the mesh still runs). */
  readonly current: (link: Link) => boolean
  /** Dials a fresh link beside the stuck one (Dialer.refresh). */
  readonly refresh: (peer: PeerId) => void
  readonly graceMs?: number
}

/**
 * After an outage the path comes back well before the frames sent during it: the transport
 * (SCTP) retransmits on a timer that doubled at every loss while the path was down, so they
 * arrive seconds later. When the path is back and the link's ping is still unanswered (the
 * link may hear the peer while the peer hears nothing of it, or the other way round), the side of
 * the pair that keeps duplicate links (the lower peer ID, see LinkRegistry) dials a fresh one,
 * which replaces the stuck link once open; the documents' sync then resends what was lost.
 * Only one side dials, so the two never replace each other's new link. Returns the unsubscribe.
 */
export function refreshWhenPathReturns(args: PathRefreshArgs): () => void {
  const { self, link, clock } = args
  if (self > link.remote) return () => {}
  let timer: ClockTimer | undefined
  const off = link.on('path-back', () => {
    if (timer !== undefined) return
    timer = clock.setTimeout(() => {
      timer = undefined
      if (args.current(link) && link.path === 'restarting') args.refresh(link.remote)
    }, args.graceMs ?? PATH_BACK_GRACE_MS)
  })
  return () => {
    off()
    clock.clearTimeout(timer)
  }
}
