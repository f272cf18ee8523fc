/**
 * Things shared to Peerplace from the operating system's share sheet. The service worker
 * receives the POST of the manifest's `share_target`, keeps the parts in Cache Storage under
 * a fresh ID and sends the page to `?share=<id>`; the page reads them back from there.
 * Both sides use this module, so the stored layout is defined once.
 */

/** What someone shared: any of text, a URL and files. */
export interface SharedItem {
  title: string
  text: string
  url: string
  files: File[]
}

/** The path the manifest's share_target posts to, relative to the app's scope. */
export const SHARE_TARGET_PATH = 'share-target'
export { SHARE_QUERY } from './share-query.ts'

const CACHE_NAME = 'peerplace-share-inbox'
const MAX_FILES = 32
const MAX_TEXT = 64 * 1024
const ID = /^[A-Za-z0-9-]{8,64}$/

interface StoredMeta {
  title: string
  text: string
  url: string
  files: { name: string; type: string; lastModified: number }[]
}

/** The part of CacheStorage used here (the page's and the worker's `caches`). */
export type InboxCaches = Pick<CacheStorage, 'open'>

function metaUrl(scope: string, id: string): string {
  return new URL(`__share-inbox/${id}/meta`, scope).href
}

function fileUrl(scope: string, id: string, index: number): string {
  return new URL(`__share-inbox/${id}/file/${index}`, scope).href
}

function field(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : ''
}

/** Keeps a received share form; returns the ID the page will ask for. */
export async function storeShare(
  caches: InboxCaches,
  scope: string,
  form: FormData,
  id: string,
): Promise<void> {
  if (!ID.test(id)) throw new Error('bad share ID')
  const files = form
    .getAll('files')
    .filter((f): f is File => typeof f !== 'string')
    .slice(0, MAX_FILES)
  const meta: StoredMeta = {
    title: field(form, 'title'),
    text: field(form, 'text'),
    url: field(form, 'url'),
    files: files.map((f) => ({ name: f.name, type: f.type, lastModified: f.lastModified })),
  }
  const cache = await caches.open(CACHE_NAME)
  await Promise.all(files.map((file, i) => cache.put(fileUrl(scope, id, i), new Response(file))))
  await cache.put(metaUrl(scope, id), Response.json(meta))
}

/** Reads a stored share; null if there is none under that ID or it is damaged. */
export async function readShare(
  caches: InboxCaches,
  scope: string,
  id: string,
): Promise<SharedItem | null> {
  if (!ID.test(id)) return null
  const cache = await caches.open(CACHE_NAME)
  const response = await cache.match(metaUrl(scope, id))
  if (!response) return null
  const meta = parseMeta(await response.json().catch(() => null))
  if (!meta) {
    console.warn('share inbox: dropping a damaged entry', id)
    return null
  }
  const files: File[] = []
  for (const [i, info] of meta.files.entries()) {
    const stored = await cache.match(fileUrl(scope, id, i))
    if (!stored) return null
    const blob = await stored.blob()
    files.push(new File([blob], info.name, { type: info.type, lastModified: info.lastModified }))
  }
  return { title: meta.title, text: meta.text, url: meta.url, files }
}

/** Forgets a share once it was sent on or dismissed. */
export async function discardShare(caches: InboxCaches, scope: string, id: string): Promise<void> {
  if (!ID.test(id)) return
  const cache = await caches.open(CACHE_NAME)
  const keys = await cache.keys()
  const prefix = new URL(`__share-inbox/${id}/`, scope).href
  await Promise.all(keys.filter((k) => k.url.startsWith(prefix)).map((k) => cache.delete(k)))
}

function parseMeta(value: unknown): StoredMeta | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const text = (x: unknown) => (typeof x === 'string' ? x.slice(0, MAX_TEXT) : null)
  const title = text(v.title)
  const body = text(v.text)
  const url = text(v.url)
  if (title === null || body === null || url === null || !Array.isArray(v.files)) return null
  const files: StoredMeta['files'] = []
  for (const f of v.files.slice(0, MAX_FILES) as unknown[]) {
    if (typeof f !== 'object' || f === null) return null
    const { name, type, lastModified } = f as Record<string, unknown>
    if (typeof name !== 'string' || typeof type !== 'string' || typeof lastModified !== 'number') {
      return null
    }
    files.push({ name: name.slice(0, 255), type: type.slice(0, 255), lastModified })
  }
  return { title, text: body, url, files }
}
