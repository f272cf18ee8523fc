import type { PeerId } from '../ids.ts'

/** Who is online in a workplace and who its Syncer is, as the mesh's presence sees it. */
export interface PresencePort {
  online(group: string): readonly PeerId[]
  syncer(group: string): PeerId
  onChange(handler: (group: string) => void): () => void
}
