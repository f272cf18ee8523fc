import type { PeerId } from '../../peer/ids.ts'
import type { PeerPresence } from '../../peer/mesh/mesh-port.ts'

/**
 * Resolves true once any of `members` is linked, or false after `withinMs`.
 *
 * A returning device waits on this before it loads a workplace's root: the load (Automerge
 * decoding the stored document, half a second or more for a long history) holds the main
 * thread, and the link's set-up (the relay's welcome, the offer and answer, the link's own
 * handshake) needs the main thread at every step, so a link started beside the load comes up
 * only after it. Linked first, the member's changes are on their way while the root loads.
 */
export function memberLinked(
  presence: Pick<PeerPresence, 'isLinked' | 'onLinkChange'>,
  members: readonly PeerId[],
  withinMs: number,
): Promise<boolean> {
  if (members.some((peer) => presence.isLinked(peer))) return Promise.resolve(true)
  if (members.length === 0 || withinMs <= 0) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (linked: boolean) => {
      clearTimeout(timer)
      off()
      resolve(linked)
    }
    const timer = setTimeout(() => done(false), withinMs)
    const off = presence.onLinkChange(({ peer, up }) => {
      if (up && members.includes(peer)) done(true)
    })
  })
}
