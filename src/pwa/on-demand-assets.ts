/**
 * Assets the service worker does not precache: fetched when the app first needs them and kept
 * then (cache first), so that installing the worker does not download them beside a first
 * visit's own loads. Automerge's wasm (3.6 MB, about 0.8 MB as sent) is one: on a first visit
 * the page loads it before the worker is even registered. Once the documents are open the page
 * says so (`keepOnDemandAssets`), and the worker keeps them from the browser's HTTP cache, so
 * the app still starts offline after one visit. Both sides use this module.
 */

/** The Cache Storage cache of the assets kept on demand. */
export const ON_DEMAND_CACHE = 'peerplace-on-demand'
/** The message the page sends once the documents are open: `{ type: KEEP_ON_DEMAND }`. */
export const KEEP_ON_DEMAND = 'KEEP_ON_DEMAND'

/** Which of the build's assets are fetched on demand instead of precached. */
export function isOnDemand(url: string): boolean {
  return new URL(url, 'https://x.invalid/').pathname.endsWith('.wasm')
}

/** Whether a message from a page asks to keep the on-demand assets (nothing else is read). */
export function isKeepRequest(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === KEEP_ON_DEMAND
  )
}

/** The service worker's side: serves, keeps and prunes the on-demand assets of this build. */
export class OnDemandAssets {
  readonly #caches: CacheStorage
  readonly #fetch: (request: Request | string) => Promise<Response>
  /** Absolute URLs of this build's on-demand assets. */
  readonly #urls: Set<string>

  constructor(options: {
    caches: CacheStorage
    fetch: (request: Request | string) => Promise<Response>
    /** The build's on-demand asset URLs, relative to `scope`. */
    urls: readonly string[]
    scope: string
  }) {
    this.#caches = options.caches
    this.#fetch = options.fetch
    this.#urls = new Set(options.urls.map((u) => new URL(u, options.scope).href))
  }

  /** Whether a request is for one of this build's on-demand assets. */
  handles(request: Request): boolean {
    return request.method === 'GET' && this.#urls.has(stripped(request.url))
  }

  /**
   * Answers from the cache, else from the network (keeping a good answer: `keep` is for the
   * fetch event's waitUntil, so the page's response streams at once).
   */
  async respond(request: Request, keep: (work: Promise<unknown>) => void): Promise<Response> {
    const url = stripped(request.url)
    const cache = await this.#caches.open(ON_DEMAND_CACHE)
    const hit = await cache.match(url)
    if (hit) return hit
    const response = await this.#fetch(request)
    if (response.ok && response.status === 200) keep(cache.put(url, response.clone()))
    return response
  }

  /** Keeps every on-demand asset of this build that is not kept yet. */
  async keepAll(): Promise<void> {
    const cache = await this.#caches.open(ON_DEMAND_CACHE)
    for (const url of this.#urls) {
      if (await cache.match(url)) continue
      // The page loaded it moments ago: the HTTP cache answers (hashed assets are immutable).
      const response = await this.#fetch(url)
      if (response.ok && response.status === 200) await cache.put(url, response)
    }
  }

  /** Drops what earlier builds kept (their hashed names are not this build's). */
  async prune(): Promise<void> {
    const cache = await this.#caches.open(ON_DEMAND_CACHE)
    for (const request of await cache.keys()) {
      if (!this.#urls.has(request.url)) await cache.delete(request)
    }
  }
}

function stripped(url: string): string {
  const u = new URL(url)
  u.hash = ''
  u.search = ''
  return u.href
}

/**
 * The page's side: once the app's documents are open (Automerge's wasm loaded), asks the active
 * service worker to keep its on-demand assets. Waits for a worker to be active (on a first
 * visit it is registered late).
 */
export async function keepOnDemandAssets(
  container: ServiceWorkerContainer | undefined,
): Promise<void> {
  if (!container) return
  const registration = await container.ready
  registration.active?.postMessage({ type: KEEP_ON_DEMAND })
}
