import type { PeerId } from '../../peer/ids.ts'
import { CHAT_DOC_KIND } from '../chat/chat-doc.ts'
import { CONTACTS_DOC_KIND } from '../contacts/contacts-doc.ts'
import type { Workplace } from '../workplace/workplace.ts'
import type { WorkplaceSnapshot } from './documents-worker-protocol.ts'
import type { HostExtension } from './worker-extension.ts'

/** The features whose documents the worker can hold: the chat, contacts, or an extension's. */
export type WorkerFeature = 'chat' | 'contacts' | (string & {})

/** The feature a root's document entry belongs to, if the worker can hold it. */
export function featureOf(
  entry: string,
  extensions: ReadonlyMap<string, HostExtension>,
): WorkerFeature | undefined {
  if (entry === CHAT_DOC_KIND || entry.startsWith('chat.shard.')) return 'chat'
  if (entry === CONTACTS_DOC_KIND) return 'contacts'
  for (const extension of extensions.values())
    if (extension.kinds.has(entry)) return extension.feature
  return undefined
}

/** What the worker needs to know of a workplace. */
export function snapshotOf(
  workplace: Workplace,
  heldHere: (entry: string) => boolean,
  chat: boolean,
): WorkplaceSnapshot {
  const docs: Record<string, string> = {}
  for (const [entry, url] of Object.entries(workplace.doc?.docs ?? {})) {
    if (heldHere(entry) && typeof url === 'string') docs[entry] = url
  }
  const keys = workplace
    .keyClaims()
    .filter((pair): pair is [string, string] => pair.every((x) => typeof x === 'string'))
  return {
    id: workplace.id,
    self: workplace.self as PeerId,
    isOwner: workplace.isOwner(workplace.self),
    membership: workplace.membership,
    keys,
    docs,
    chat,
  }
}

/** What of a snapshot, when it changes, the worker must be sent again. */
export function snapshotSignature(snapshot: WorkplaceSnapshot): string {
  return JSON.stringify([
    snapshot.chat,
    snapshot.isOwner,
    snapshot.membership.clock,
    snapshot.membership.members.size,
    snapshot.keys.length,
    snapshot.docs,
  ])
}
