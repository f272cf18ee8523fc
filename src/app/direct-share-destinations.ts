import type { ShareDestinations } from '../pwa/share-destinations.ts'
import type { SharedItem } from '../pwa/share-inbox.ts'
import type { DirectService } from '../direct/direct-service.ts'

/**
 * Nearby devices and contacts as places to send what another app shared (the share target):
 * the text (title, text and link joined) as a message, each file as an offer.
 */
export function directShareDestinations(direct: DirectService): ShareDestinations {
  return {
    list: () => {
      const nearby = direct.nearby()
      const others = direct.contacts().filter((c) => !c.nearby)
      return [...nearby, ...others].map((p) => ({
        id: `device:${p.peer}`,
        label: p.name,
        kind: 'device' as const,
        send: async (item: SharedItem) => {
          const text = [item.title, item.text, item.url].filter((s) => s.trim()).join('\n')
          if (text) await direct.sendText(p.peer, text)
          if (item.files.length > 0) await direct.sendFiles(p.peer, item.files)
        },
      }))
    },
    on: (_event, listener) => direct.on('change', listener),
  }
}
