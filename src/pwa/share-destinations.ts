import type { SharedItem } from './share-inbox.ts'

/** A place something shared from another app can be sent: a workplace, a nearby device… */
interface ShareDestination {
  /** Unique among the destinations listed together. */
  readonly id: string
  /** What people see, e.g. the workplace's name. */
  readonly label: string
  readonly kind: 'workplace' | 'device'
  /** Sends the item on (posts the text, offers the files…); rejects with a readable Error. */
  send(item: SharedItem): Promise<void>
}

/** The destinations to offer, and when they change. */
export interface ShareDestinations {
  list(): readonly ShareDestination[]
  on(event: 'change', listener: () => void): () => void
}

/**
 * Every workplace of `workplaces` as a destination; `send` does the work (e.g. a chat message
 * with the text and the files attached).
 */
export function workplaceShareDestinations(
  workplaces: {
    list(): readonly { id: string; name: string }[]
    on(event: 'change', listener: () => void): () => void
  },
  send: (workplaceId: string, item: SharedItem) => Promise<void>,
): ShareDestinations {
  return {
    list: () =>
      workplaces.list().map((wp) => ({
        id: `workplace:${wp.id}`,
        label: wp.name,
        kind: 'workplace' as const,
        send: (item: SharedItem) => send(wp.id, item),
      })),
    on: (_event, listener) => workplaces.on('change', listener),
  }
}

/** Several sources as one list (workplaces first, then nearby devices, say). */
export function combineShareDestinations(...sources: ShareDestinations[]): ShareDestinations {
  return {
    list: () => sources.flatMap((s) => s.list()),
    on: (_event, listener) => {
      const offs = sources.map((s) => s.on('change', listener))
      return () => offs.forEach((off) => off())
    },
  }
}
