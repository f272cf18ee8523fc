import { wrap, type DBSchema, type IDBPDatabase } from 'idb'
import type { PeerId } from '../peer/ids.ts'
import {
  messageKey,
  type DeviceContact,
  type DirectMessage,
  type FileMessage,
  type OutboxEntry,
} from './direct-model.ts'
import type { DirectStore } from './direct-store.ts'

interface StoredMessage extends Record<string, unknown> {
  key: string
  peer: PeerId
  at: number
  /** Set for file messages only, so the index holds just them. */
  fileState?: string
  message: DirectMessage
}

interface DirectSchema extends DBSchema {
  contacts: { key: string; value: DeviceContact }
  messages: {
    key: string
    value: StoredMessage
    indexes: { 'by-peer-at': [string, number]; 'by-file-state': string }
  }
  outbox: { key: string; value: OutboxEntry }
}

/** A DirectStore in IndexedDB: conversations survive reloads and stay on this device. */
export async function createIdbDirectStore(
  options: { indexedDB?: IDBFactory; dbName?: string } = {},
): Promise<DirectStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB
  if (!factory) throw new Error('IndexedDB is not available: conversations cannot be kept')
  const request = factory.open(options.dbName ?? 'peerplace-direct', 1)
  request.onupgradeneeded = () => {
    const database = request.result
    database.createObjectStore('contacts', { keyPath: 'peer' })
    const messages = database.createObjectStore('messages', { keyPath: 'key' })
    messages.createIndex('by-peer-at', ['peer', 'at'])
    messages.createIndex('by-file-state', 'fileState')
    database.createObjectStore('outbox')
  }
  request.onblocked = () => console.warn('direct store: upgrade blocked by another tab')
  const db = (await wrap(request)) as unknown as IDBPDatabase<DirectSchema>
  const stored = (message: DirectMessage): StoredMessage => ({
    key: messageKey(message),
    peer: message.peer,
    at: message.at,
    ...(message.kind === 'file' ? { fileState: message.state } : {}),
    message,
  })
  return {
    contacts: () => db.getAll('contacts'),
    putContact: async (contact) => void (await db.put('contacts', contact)),
    async messages(peer, limit) {
      const range = IDBKeyRange.bound([peer, -Infinity], [peer, Infinity])
      const out: DirectMessage[] = []
      let cursor = await db
        .transaction('messages')
        .store.index('by-peer-at')
        .openCursor(range, 'prev')
      while (cursor && out.length < limit) {
        out.push(cursor.value.message)
        cursor = await cursor.continue()
      }
      return out.reverse()
    },
    getMessage: async (peer, author, id) =>
      (await db.get('messages', messageKey({ peer, author, id })))?.message,
    putMessage: async (message) => void (await db.put('messages', stored(message))),
    filesInState: async (state) =>
      (await db.getAllFromIndex('messages', 'by-file-state', state)).map(
        (s) => s.message as FileMessage,
      ),
    async outbox() {
      const all = await db.getAll('outbox')
      return all.sort((a, b) => a.queuedAt - b.queuedAt)
    },
    putOutbox: async (entry) => void (await db.put('outbox', entry, `${entry.peer}|${entry.id}`)),
    async deleteOutbox(peer, ids) {
      const tx = db.transaction('outbox', 'readwrite')
      await Promise.all([...ids.map((id) => tx.store.delete(`${peer}|${id}`)), tx.done])
    },
    close: () => db.close(),
  }
}
