import type { PeerId } from '../../../src/peer/ids.ts'

/** What the test asks of the process that hosts the light members (light-fleet-host.ts). */
export type FleetRequest =
  | { t: 'start'; relayUrl: string; count: number }
  | { t: 'workplace'; name: string; appUrl: string }
  | { t: 'status'; pages: readonly PeerId[]; text?: string }
  | { t: 'crash'; peer: PeerId }
  | { t: 'newcomer'; near: readonly PeerId[]; avoid: readonly PeerId[] }
  | { t: 'send'; peer: PeerId; text: string }

export interface FleetStatus {
  /** Running light members. */
  live: number
  /** The distinct root heads (hex, sorted, '.'-joined) and member lists among them. */
  heads: string[]
  members: string[]
  /** The Syncers they name, distinct. */
  syncers: string[]
  /** Light members whose chat shows the asked text. */
  withText: number
  /** Open links to the pages (WebRTC), the light members holding any, in-memory links. */
  webrtcLinks: number
  webrtcHolders: number
  memoryLinks: number
  maxLinks: number
  /** The host process since the last status: its longest event-loop stall and its CPU share. */
  stallMs: number
  cpuShare: number
  /** The newcomer's open links to pages and the signals it got from them through the mesh. */
  newcomer?: { joined: boolean; pagesLinked: PeerId[]; viaMesh: Partial<Record<PeerId, number>> }
}

export type FleetReply =
  | { t: 'started'; ids: PeerId[] }
  | { t: 'workplace'; workplace: string; root: string; owner: PeerId; invite: string }
  | { t: 'status'; status: FleetStatus }
  | { t: 'newcomer'; peer: PeerId; near: PeerId[] }
  | { t: 'done' }

export type FromFleet = { id: number; reply: FleetReply } | { id: number; error: string }
export type ToFleet = { id: number; request: FleetRequest }
