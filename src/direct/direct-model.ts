import type { PeerId } from '../peer/ids.ts'
import type { AckedWire, OfferedFile } from './direct-protocol.ts'

/** Where a file offer stands, as both ends see it. */
export type FileState =
  | 'offered' // waiting for the receiver to accept or decline
  | 'accepted' // the receiver is fetching it
  | 'declined'
  | 'received' // verified and stored on the receiving device
  | 'failed'
  | 'cancelled' // stopped by either side

/** Whether an outgoing message has reached the other device. Incoming ones are 'received'. */
type Delivery = 'queued' | 'delivered' | 'received'

interface MessageBase {
  /** The conversation: the other device. */
  peer: PeerId
  /** Chosen by the author; unique per author. */
  id: string
  author: PeerId
  /** When the author sent it, by the author's clock. */
  sentAt: number
  /** When this device stored it: the conversation's order. */
  at: number
  delivery: Delivery
  /** Incoming and not yet seen by the person. */
  unread: boolean
}

export interface TextMessage extends MessageBase {
  kind: 'text'
  text: string
}

export interface FileMessage extends MessageBase {
  kind: 'file'
  file: OfferedFile
  state: FileState
  /** Why it failed, for people to read. */
  error?: string
}

export interface InviteMessage extends MessageBase {
  kind: 'invite'
  workplace: string
  url: string
}

export type DirectMessage = TextMessage | FileMessage | InviteMessage

/** A device this one has met: by a link (hello) or a message. */
export interface DeviceContact {
  peer: PeerId
  /** The name it gave itself, or null. */
  name: string | null
  /** Its raw public key (base64url), proven to derive its peer ID; null until its hello. */
  key: string | null
  firstSeen: number
  lastSeen: number
  /** Time of the conversation's latest message, or 0. */
  lastMessageAt: number
  unread: number
  /** The person compared the safety number and confirmed it. */
  verified: boolean
}

/** A message waiting for the other device's ack. */
export interface OutboxEntry {
  peer: PeerId
  id: string
  wire: AckedWire
  queuedAt: number
}

/** The key a message is stored under: by conversation, author and ID, so none can overwrite another's. */
export function messageKey(m: Pick<DirectMessage, 'peer' | 'author' | 'id'>): string {
  return `${m.peer}|${m.author}|${m.id}`
}
