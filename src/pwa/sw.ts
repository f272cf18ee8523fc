/// <reference lib="webworker" />
/**
 * The service worker: precaches the whole app shell (the Automerge wasm and the lazily loaded
 * chunks included) so the app starts with no network, serves index.html for every navigation,
 * waits for the page's word before taking over from an older version (the "update available"
 * prompt), and receives what the operating system shares to Peerplace.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { SHARE_QUERY, SHARE_TARGET_PATH, storeShare } from './share-inbox.ts'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[]
}

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data
  if (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === 'SKIP_WAITING'
  ) {
    void self.skipWaiting()
  }
})

// Registered before Workbox's router so the share POST never reaches it (it routes GETs only).
self.addEventListener('fetch', (event: FetchEvent) => {
  const scope = self.registration.scope
  const url = new URL(event.request.url)
  if (event.request.method !== 'POST' || url.href !== new URL(SHARE_TARGET_PATH, scope).href) {
    return
  }
  event.respondWith(receiveShare(event.request, scope))
})

async function receiveShare(request: Request, scope: string): Promise<Response> {
  const page = new URL('./', scope)
  try {
    const id = crypto.randomUUID()
    await storeShare(self.caches, scope, await request.formData(), id)
    page.searchParams.set(SHARE_QUERY, id)
  } catch (error) {
    console.error('could not receive the shared items', error)
  }
  return Response.redirect(page.href, 303)
}

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/relay/, /^\/peerjs/, /\/__share-inbox\//],
  }),
)
