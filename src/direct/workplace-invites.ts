import type { PeerId } from '../peer/ids.ts'
import type { WorkplaceInvites } from './direct-ports.ts'

/** What `workplaceInvites` needs of one workplace (src/crdt/workplace/workplace.ts fits). */
interface OwnedWorkplace {
  readonly id: string
  readonly name: string
  readonly self: PeerId
  isOwner(peer: PeerId): boolean
}

/** What `workplaceInvites` needs of the app's workplaces (src/app/workplaces-app.ts fits). */
interface WorkplacesLike<W extends OwnedWorkplace> {
  list(): W[]
  on(event: 'change', listener: () => void): () => void
  inviteLink(wp: W, terms: { expiresInMs: number; maxUses: number }): Promise<string>
  openLink(url: string): unknown
}

/** One person, for a day: an invite sent to one nearby device. */
export const DIRECT_INVITE_TERMS = { expiresInMs: 24 * 60 * 60 * 1000, maxUses: 1 }

/**
 * The app's workplaces as direct invites need them: the workplaces this device owns (only
 * owners invite), each invite link for one person and a day, and joining from a link.
 */
export function workplaceInvites<W extends OwnedWorkplace>(
  app: WorkplacesLike<W>,
  terms: { expiresInMs: number; maxUses: number } = DIRECT_INVITE_TERMS,
): WorkplaceInvites {
  const owned = () => app.list().filter((wp) => wp.isOwner(wp.self))
  return {
    list: () => owned().map((wp) => ({ id: wp.id, name: wp.name })),
    on: (event, listener) => app.on(event, listener),
    inviteInto(workplaceId) {
      const wp = owned().find((w) => w.id === workplaceId)
      if (!wp) return Promise.reject(new Error('Only an owner of the workplace can invite.'))
      return app.inviteLink(wp, terms)
    },
    openLink: (url) => app.openLink(url),
  }
}
