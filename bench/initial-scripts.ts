/**
 * Which JavaScript files a built index.html loads before first paint: its module and classic
 * scripts, its modulepreloads, and everything those import statically per Vite's build manifest.
 * Dynamic imports and wasm (the Automerge core) are not part of it.
 */

/** One chunk of Vite's `.vite/manifest.json` (the fields used here). */
export interface ManifestChunk {
  file: string
  src?: string
  isEntry?: boolean
  imports?: string[]
  dynamicImports?: string[]
}

export type BuildManifest = Record<string, ManifestChunk>

export interface InitialScripts {
  /** Files relative to the build folder, e.g. `assets/index-abc.js`. */
  files: string[]
  /** Bodies of inline `<script>` elements. */
  inline: string[]
}

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi
const LINK = /<link\b([^>]*)>/gi
const ATTR = /([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

function attributes(source: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const match of source.matchAll(ATTR)) {
    out.set(match[1]!.toLowerCase(), match[2] ?? match[3] ?? match[4] ?? '')
  }
  return out
}

/** A local URL from the HTML as a path relative to the build folder; undefined if remote. */
function localPath(url: string): string | undefined {
  if (/^[a-z]+:|^\/\//i.test(url)) return undefined
  return url.replace(/^\.?\//, '').split(/[?#]/)[0]
}

export function initialScripts(html: string, manifest: BuildManifest): InitialScripts {
  const files = new Set<string>()
  const inline: string[] = []
  for (const match of html.matchAll(SCRIPT)) {
    const src = attributes(match[1] ?? '').get('src')
    const path = src === undefined ? undefined : localPath(src)
    if (path) files.add(path)
    else if (src === undefined && match[2]?.trim()) inline.push(match[2])
  }
  for (const match of html.matchAll(LINK)) {
    const attrs = attributes(match[1] ?? '')
    const path = localPath(attrs.get('href') ?? '')
    if (attrs.get('rel') === 'modulepreload' && path) files.add(path)
  }

  const byFile = new Map(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]))
  const pending = [...files].map((file) => byFile.get(file)).filter((k) => k !== undefined)
  const seen = new Set<string>()
  while (pending.length > 0) {
    const key = pending.pop()!
    if (seen.has(key)) continue
    seen.add(key)
    const chunk = manifest[key]
    if (!chunk) continue
    files.add(chunk.file)
    pending.push(...(chunk.imports ?? []))
  }
  return { files: [...files].filter((f) => !f.endsWith('.wasm')).sort(), inline }
}
