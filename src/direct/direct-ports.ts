import type { FileTransfers } from '../files/file-transfers.ts'
/** This device's display name (the session's DeviceProfile satisfies it). */
export interface NameSource {
  readonly name: string | null
  on(event: 'change', listener: (value: { name: string | null }) => void): () => void
}

/** The files engine, as direct file offers use it (FileTransfers from src/files). */
export type DirectFileEngine = Pick<
  FileTransfers,
  'add' | 'download' | 'downloadOf' | 'cancel' | 'uploads' | 'read' | 'record' | 'serveScope' | 'on'
>

/** A workplace this device may invite others into. */
export interface InvitableWorkplace {
  readonly id: string
  readonly name: string
}

/**
 * The workplaces side of "invite a nearby device": set once the workplaces have loaded (see
 * `workplaceInvites` for an adapter over the app's WorkplacesApp).
 */
export interface WorkplaceInvites {
  /** Workplaces this device may invite into (it owns them). */
  list(): readonly InvitableWorkplace[]
  on(event: 'change', listener: () => void): () => void
  /** A fresh invite link into the workplace. */
  inviteInto(workplaceId: string): Promise<string>
  /** Starts joining from an invite link; throws a readable Error for a bad one. */
  openLink(url: string): unknown
}
