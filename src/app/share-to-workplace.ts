import type { ChatApi } from '../crdt/chat/chat-api.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { WorkplaceFiles } from '../files/workplace-files.ts'
import type { SharedItem } from '../pwa/share-inbox.ts'

/** What sharing reads of the open workplaces (WorkplacesApp satisfies it). */
export interface ShareableWorkplaces {
  list(): readonly Workplace[]
  featuresOf(wp: Workplace): {
    chat: Promise<Pick<ChatApi, 'send'>>
    files: Promise<Pick<WorkplaceFiles, 'add'>>
  }
}

/**
 * Sends what another app shared to Peerplace into a workplace: its text and link as a chat
 * message, its files into the workplace's files.
 */
export async function shareToWorkplace(
  app: ShareableWorkplaces,
  workplaceId: string,
  item: SharedItem,
): Promise<void> {
  const wp = app.list().find((w) => w.id === workplaceId)
  if (!wp) throw new Error('That workplace is no longer on this device.')
  const text = [item.title, item.text, item.url]
    .map((s) => s.trim())
    .filter(Boolean)
    .join('\n')
  const features = app.featuresOf(wp)
  if (item.files.length > 0) {
    const files = await features.files
    for (const file of item.files) await files.add(file, file.name)
  }
  if (text) await (await features.chat).send(text)
}
