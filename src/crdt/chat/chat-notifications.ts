import type { PeerId } from '../../peer/ids.ts'
import type { ChatMessage } from './message-view.ts'

/** Shows a system notification; the browser one is browser-notifier.ts beside it. */
export interface Notifier {
  notify(note: { title: string; body: string; tag: string }): void
}

const MAX_BODY = 140

/**
 * Notifies of messages from others that arrive while the page is hidden: one notification per
 * burst, tagged by workplace so a newer one replaces the older. Returns the unsubscribe.
 */
export function watchChatNotifications(options: {
  chat: { on(event: 'incoming', listener: (messages: ChatMessage[]) => void): () => void }
  workplaceId: string
  workplaceName: () => string
  nameOf: (peer: PeerId) => string
  isHidden: () => boolean
  notifier: Notifier
}): () => void {
  return options.chat.on('incoming', (messages) => {
    const last = messages.at(-1)
    if (!last || !options.isHidden()) return
    const body =
      messages.length === 1
        ? `${options.nameOf(last.author)}: ${clip(last.text)}`
        : `${messages.length} new messages`
    options.notifier.notify({
      title: options.workplaceName(),
      body,
      tag: `chat:${options.workplaceId}`,
    })
  })
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > MAX_BODY ? `${line.slice(0, MAX_BODY - 1)}…` : line
}
