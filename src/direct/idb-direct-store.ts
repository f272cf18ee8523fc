import { wrap, type DBSchema, type IDBPDatabase } from 'idb'
import type { PeerId } from '../peer/ids.ts'
import type { Resealable } from '../vault/storage-lock.ts'
import type { Vault } from '../vault/vault.ts'
import { DirectRecordSealer, type SealedRecord } from './direct-record-sealer.ts'
import {
  messageKey,
  type DeviceContact,
  type DirectMessage,
  type FileMessage,
  type OutboxEntry,
} from './direct-model.ts'
import type { DirectStore } from './direct-store.ts'

/** The readable part of a stored message: its key and what the indexes need. */
interface MessageIndexFields extends Record<string, unknown> {
  key: string
  peer: PeerId
  at: number
  /** Set for file messages only, so the index holds just them. */
  fileState?: string
}

type StoredMessage = MessageIndexFields & ({ message: DirectMessage } | SealedRecord)
type StoredContact = DeviceContact | (SealedRecord & { peer: PeerId })
type StoredOutbox = OutboxEntry | SealedRecord

interface DirectSchema extends DBSchema {
  contacts: { key: string; value: StoredContact }
  messages: {
    key: string
    value: StoredMessage
    indexes: { 'by-peer-at': [string, number]; 'by-file-state': string }
  }
  outbox: { key: string; value: StoredOutbox }
}

type StoreName = 'contacts' | 'messages' | 'outbox'

/** Values are rewritten this many at a time when the lock is turned on or off. */
const RESEAL_BATCH = 200

/** A DirectStore in IndexedDB: conversations survive reloads and stay on this device. */
export async function createIdbDirectStore(
  options: {
    indexedDB?: IDBFactory
    dbName?: string
    /** The at-rest key: with the storage lock on, records are sealed through it. */
    vault?: Vault
  } = {},
): Promise<DirectStore & Resealable> {
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
  const sealer = options.vault ? new DirectRecordSealer(options.vault) : undefined
  const context = (store: StoreName, key: string) => `direct/${store}/${key}`

  const storeContact = async (contact: DeviceContact): Promise<StoredContact> =>
    sealer
      ? sealer.store(context('contacts', contact.peer), contact, contact, { peer: contact.peer })
      : contact
  const openContact = (stored: StoredContact): Promise<DeviceContact> | DeviceContact =>
    sealer
      ? sealer.open(context('contacts', stored.peer), stored, (s: DeviceContact) => s)
      : (stored as DeviceContact)

  const storeMessage = async (message: DirectMessage): Promise<StoredMessage> => {
    const fields: MessageIndexFields = {
      key: messageKey(message),
      peer: message.peer,
      at: message.at,
      ...(message.kind === 'file' ? { fileState: message.state } : {}),
    }
    if (!sealer) return { ...fields, message }
    return (await sealer.store(
      context('messages', fields.key),
      message,
      { ...fields, message },
      fields,
    )) as StoredMessage
  }
  const openMessage = (stored: StoredMessage): Promise<DirectMessage> | DirectMessage => {
    const plain = (s: { message: DirectMessage }) => s.message
    return sealer
      ? sealer.open(context('messages', stored.key), stored, plain)
      : plain(stored as never)
  }

  const outboxKey = (entry: Pick<OutboxEntry, 'peer' | 'id'>) => `${entry.peer}|${entry.id}`
  const storeOutbox = async (entry: OutboxEntry): Promise<StoredOutbox> =>
    sealer ? sealer.store(context('outbox', outboxKey(entry)), entry, entry, {}) : entry
  const openOutbox = (key: string, stored: StoredOutbox): Promise<OutboxEntry> | OutboxEntry =>
    sealer
      ? sealer.open(context('outbox', key), stored, (s: OutboxEntry) => s)
      : (stored as OutboxEntry)

  /** Rewrites a stored record the way the vault now writes. */
  const rewrite: {
    [S in StoreName]: (
      key: string,
      stored: DirectSchema[S]['value'],
    ) => Promise<DirectSchema[S]['value']>
  } = {
    contacts: async (_key, stored) => storeContact(await openContact(stored)),
    messages: async (_key, stored) => storeMessage(await openMessage(stored)),
    outbox: async (key, stored) => storeOutbox(await openOutbox(key, stored)),
  }

  async function resealStore<S extends StoreName>(
    name: S,
    onBatch: (count: number) => void,
  ): Promise<void> {
    if (!sealer) return
    let after: string | undefined
    for (;;) {
      const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true)
      const read = db.transaction(name)
      const [keys, values] = await Promise.all([
        read.store.getAllKeys(range, RESEAL_BATCH),
        read.store.getAll(range, RESEAL_BATCH),
      ])
      const changed: { key: string; value: DirectSchema[S]['value'] }[] = []
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const value = values[i] as DirectSchema[S]['value']
        if (!sealer.settled(value)) changed.push({ key, value: await rewrite[name](key, value) })
      }
      if (changed.length > 0) {
        const write = db.transaction(name, 'readwrite')
        const store = write.objectStore(name)
        await Promise.all([
          ...changed.map(async ({ key, value }) => {
            // Written meanwhile by the app (already the new way): that newer value stays.
            if (sealer.settled(await store.get(key))) return
            await (name === 'outbox' ? store.put(value, key) : store.put(value))
          }),
          write.done,
        ])
      }
      onBatch(keys.length)
      if (keys.length < RESEAL_BATCH) return
      after = keys[keys.length - 1] as string
    }
  }

  return {
    contacts: async () => Promise.all((await db.getAll('contacts')).map(openContact)),
    putContact: async (contact) => void (await db.put('contacts', await storeContact(contact))),
    async messages(peer, limit) {
      const range = IDBKeyRange.bound([peer, -Infinity], [peer, Infinity])
      const found: StoredMessage[] = []
      let cursor = await db
        .transaction('messages')
        .store.index('by-peer-at')
        .openCursor(range, 'prev')
      while (cursor && found.length < limit) {
        found.push(cursor.value)
        cursor = await cursor.continue()
      }
      return Promise.all(found.reverse().map(openMessage))
    },
    async getMessage(peer, author, id) {
      const stored = await db.get('messages', messageKey({ peer, author, id }))
      return stored && openMessage(stored)
    },
    putMessage: async (message) => void (await db.put('messages', await storeMessage(message))),
    filesInState: async (state) =>
      Promise.all(
        (await db.getAllFromIndex('messages', 'by-file-state', state)).map(
          async (s) => (await openMessage(s)) as FileMessage,
        ),
      ),
    async outbox() {
      const tx = db.transaction('outbox')
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()])
      const all = await Promise.all(values.map((v, i) => openOutbox(keys[i] as string, v)))
      return all.sort((a, b) => a.queuedAt - b.queuedAt)
    },
    putOutbox: async (entry) =>
      void (await db.put('outbox', await storeOutbox(entry), outboxKey(entry))),
    async deleteOutbox(peer, ids) {
      const tx = db.transaction('outbox', 'readwrite')
      await Promise.all([...ids.map((id) => tx.store.delete(outboxKey({ peer, id }))), tx.done])
    },
    async reseal(onProgress) {
      const names: StoreName[] = ['contacts', 'messages', 'outbox']
      const counts = await Promise.all(names.map((name) => db.count(name)))
      const total = counts.reduce((a, b) => a + b, 0)
      let done = 0
      for (const name of names) {
        await resealStore(name, (count) => onProgress?.((done += count), total))
      }
    },
    close: () => db.close(),
  }
}
