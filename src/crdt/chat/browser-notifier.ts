import type { Notifier } from './chat-notifications.ts'

type NotificationPermissionState = NotificationPermission | 'unsupported'

/** System notifications through the Notification API, only once the user has allowed them. */
export interface BrowserNotifier extends Notifier {
  permission(): NotificationPermissionState
  /** Asks the user; call from a click (browsers ignore requests without a user gesture). */
  requestPermission(): Promise<NotificationPermissionState>
  /** True while the page is not visible: when a notification is worth showing. */
  isHidden(): boolean
}

export function createBrowserNotifier(platform: {
  Notification?: typeof Notification | undefined
  document: Pick<Document, 'visibilityState'>
}): BrowserNotifier {
  const api = platform.Notification
  return {
    permission: () => (api ? api.permission : 'unsupported'),
    async requestPermission() {
      if (!api) return 'unsupported'
      return api.permission === 'default' ? await api.requestPermission() : api.permission
    },
    isHidden: () => platform.document.visibilityState === 'hidden',
    notify({ title, body, tag }) {
      if (api?.permission !== 'granted') return
      try {
        new api(title, { body, tag })
      } catch (error) {
        // Some mobile browsers allow notifications only from a service worker.
        console.warn('chat: could not show a notification', error)
      }
    },
  }
}
