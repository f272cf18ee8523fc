import type { PeerId } from '../peer/ids.ts'
import {
  messageKey,
  type DeviceContact,
  type DirectMessage,
  type FileMessage,
  type FileState,
  type OutboxEntry,
} from './direct-model.ts'

/** Direct conversations kept on this device: contacts, messages and the unacked outbox. */
export interface DirectStore {
  contacts(): Promise<DeviceContact[]>
  putContact(contact: DeviceContact): Promise<void>
  /** The latest `limit` messages of a conversation, oldest first. */
  messages(peer: PeerId, limit: number): Promise<DirectMessage[]>
  getMessage(peer: PeerId, author: PeerId, id: string): Promise<DirectMessage | undefined>
  putMessage(message: DirectMessage): Promise<void>
  /** File messages of every conversation in one state (to resume transfers after a reload). */
  filesInState(state: FileState): Promise<FileMessage[]>
  /** Every message not yet acked, oldest first. */
  outbox(): Promise<OutboxEntry[]>
  putOutbox(entry: OutboxEntry): Promise<void>
  deleteOutbox(peer: PeerId, ids: readonly string[]): Promise<void>
  close(): void
}

/** A DirectStore in memory (tests; a device without IndexedDB). Values are copied in and out. */
export function createMemoryDirectStore(): DirectStore {
  const contacts = new Map<PeerId, DeviceContact>()
  const messages = new Map<string, DirectMessage>()
  const outbox = new Map<string, OutboxEntry>()
  const copy = <T>(value: T): T => structuredClone(value)
  return {
    contacts: async () => [...contacts.values()].map(copy),
    putContact: async (contact) => void contacts.set(contact.peer, copy(contact)),
    async messages(peer, limit) {
      const all = [...messages.values()].filter((m) => m.peer === peer).sort(byTime)
      return all.slice(Math.max(0, all.length - limit)).map(copy)
    },
    getMessage: async (peer, author, id) => {
      const found = messages.get(messageKey({ peer, author, id }))
      return found && copy(found)
    },
    putMessage: async (message) => void messages.set(messageKey(message), copy(message)),
    filesInState: async (state) =>
      [...messages.values()]
        .filter((m): m is FileMessage => m.kind === 'file' && m.state === state)
        .map(copy),
    outbox: async () => [...outbox.values()].sort((a, b) => a.queuedAt - b.queuedAt).map(copy),
    putOutbox: async (entry) => void outbox.set(`${entry.peer}|${entry.id}`, copy(entry)),
    deleteOutbox: async (peer, ids) => {
      for (const id of ids) outbox.delete(`${peer}|${id}`)
    },
    close: () => {},
  }
}

/** Conversation order: by local time, then by key so equal times sort alike everywhere. */
export function byTime(a: DirectMessage, b: DirectMessage): number {
  return a.at - b.at || (messageKey(a) < messageKey(b) ? -1 : 1)
}
