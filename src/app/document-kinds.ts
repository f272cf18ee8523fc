import { CHAT_DOC_KIND, initialChatIndex } from '../crdt/chat/chat-doc.ts'
import { CONTACTS_DOC_KIND, initialContactsDoc } from '../crdt/contacts/contacts-doc.ts'
import { FILES_DOC_KIND, initialFilesDoc } from '../files/files-doc.ts'

/**
 * The kinds of document every workplace holds besides its root, for every device that opens
 * workplaces (the browser app and the keeper). Features add theirs here.
 */
export const DOCUMENT_KINDS: ReadonlyMap<string, () => unknown> = new Map<string, () => unknown>([
  [CHAT_DOC_KIND, initialChatIndex],
  [CONTACTS_DOC_KIND, initialContactsDoc],
  [FILES_DOC_KIND, initialFilesDoc],
])
