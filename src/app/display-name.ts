import type { PeerSession } from './peer-session.ts'

/** The name this device goes by in workplaces: the profile's, or one made from its peer ID. */
export function displayNameOf(session: Pick<PeerSession, 'profile' | 'identity'>): string {
  return session.profile.name ?? `Device ${session.identity.peerId.slice(0, 4)}`
}
