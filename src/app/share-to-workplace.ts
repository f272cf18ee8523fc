import type { SharedItem } from '../pwa/share-inbox.ts'
import type { WorkplacesApp } from './workplaces-app.ts'

/**
 * Sends what another app shared to Peerplace into a workplace: its text and link as a chat
 * message. Shared files are refused with a clear error until the workplace has file sharing.
 */
export async function shareToWorkplace(
  app: WorkplacesApp,
  workplaceId: string,
  item: SharedItem,
): Promise<void> {
  const wp = app.list().find((w) => w.id === workplaceId)
  if (!wp) throw new Error('That workplace is no longer on this device.')
  const text = [item.title, item.text, item.url]
    .map((s) => s.trim())
    .filter(Boolean)
    .join('\n')
  if (item.files.length > 0 && !text)
    throw new Error('Sharing files into a workplace is not available yet.')
  if (text) await (await app.featuresOf(wp).chat).send(text)
}
