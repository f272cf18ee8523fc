/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (scripts, styles, icons, index.html) so the app
 * starts with no network, keeps Automerge's wasm once the app has needed it (not on install,
 * beside a first visit's own loads: on-demand-assets.ts), serves index.html for every navigation,
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
import { isKeepRequest, isOnDemand, OnDemandAssets } from './on-demand-assets.ts'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[]
}

const manifest = self.__WB_MANIFEST
const urlOf = (entry: string | { url: string }) => (typeof entry === 'string' ? entry : entry.url)
const onDemand = new OnDemandAssets({
  caches: self.caches,
  fetch: (request) => fetch(request),
  urls: manifest.map(urlOf).filter((url) => isOnDemand(url)),
  scope: self.registration.scope,
})

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data: unknown = event.data
  if (isKeepRequest(data)) {
    event.waitUntil(
      onDemand.keepAll().catch((error: unknown) => console.warn('assets not kept', error)),
    )
    return
  }
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

// Ahead of Workbox's precache route, which answers only for the precached URLs.
self.addEventListener('fetch', (event: FetchEvent) => {
  if (!onDemand.handles(event.request)) return
  event.respondWith(onDemand.respond(event.request, (work) => event.waitUntil(work)))
})
self.addEventListener('activate', (event: ExtendableEvent) => {
  event.waitUntil(onDemand.prune().catch(() => {}))
})

precacheAndRoute(manifest.filter((entry) => !isOnDemand(urlOf(entry))))
cleanupOutdatedCaches()
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/relay/, /^\/peerjs/, /\/__share-inbox\//],
  }),
)
