import type { ContactInput } from './contact-model.ts'

/** What the app knows of a workplace member or a nearby device. */
export interface KnownPeer {
  peer: string
  /** The display name they chose, if any. */
  name?: string
  source: 'member' | 'nearby'
  /** The workplace they were met in, for the note. */
  workplace?: string
}

/**
 * A contact filled in from what is known of a peer: the display name (split into given and
 * family name on the last space), the peer ID in its own field and a note of where they were met.
 */
export function contactFromPeer(known: KnownPeer, now: Date = new Date()): ContactInput {
  const name = (known.name ?? '').replace(/\s+/g, ' ').trim()
  const space = name.lastIndexOf(' ')
  const where =
    known.source === 'member'
      ? `Member of ${known.workplace ? `the workplace “${known.workplace}”` : 'a workplace'}`
      : 'Nearby device'
  return {
    display: name || `Peer ${known.peer.slice(0, 8)}`,
    given: space > 0 ? name.slice(0, space) : name,
    family: space > 0 ? name.slice(space + 1) : '',
    peer: known.peer,
    notes: `${where}, saved ${now.toISOString().slice(0, 10)}.`,
    tags: ['Peerplace'],
  }
}
