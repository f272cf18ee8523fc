import { stat } from 'node:fs/promises'
import { extname } from 'node:path'

/** Encodings the build writes beside a file (`x.js.br`, `x.js.gz`), best first. */
const VARIANTS = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const

export type ContentEncoding = (typeof VARIANTS)[number]['encoding']

/** Extensions the build precompresses (see scripts/precompress.ts); others are sent as they are. */
export const COMPRESSIBLE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.webmanifest',
  '.wasm',
  '.svg',
  '.txt',
])

/** A file on disk to answer with, and the Content-Encoding it carries (none: identity). */
export interface FileToSend {
  path: string
  size: number
  mtime: number
  encoding?: ContentEncoding
}

/**
 * The encodings a client accepts per its Accept-Encoding header (RFC 9110 12.5.3): listed ones
 * with q > 0, and every one under `*` unless listed with q=0.
 */
export function acceptedEncodings(header: string | undefined): Set<ContentEncoding> {
  const accepted = new Set<ContentEncoding>()
  if (!header) return accepted
  const weights = new Map<string, number>()
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';')
    if (!token) continue
    let q = 1
    for (const param of params) {
      const [key, value] = param.trim().split('=')
      if (key === 'q') q = Number(value)
    }
    weights.set(token, Number.isFinite(q) ? q : 0)
  }
  const any = weights.get('*')
  for (const { encoding } of VARIANTS) {
    const q = weights.get(encoding) ?? any
    if (q !== undefined && q > 0) accepted.add(encoding)
  }
  return accepted
}

/** Whether a response for this file depends on Accept-Encoding (and so needs `Vary`). */
export function isCompressible(path: string): boolean {
  return COMPRESSIBLE_EXTENSIONS.has(extname(path))
}

/**
 * The best precompressed sibling of `file` the client accepts, or `file` itself. A sibling
 * older than the file is ignored, so a stale leftover never hides a newer build.
 */
export async function precompressedVariant(
  file: FileToSend,
  acceptEncoding: string | undefined,
): Promise<FileToSend> {
  if (!isCompressible(file.path)) return file
  const accepted = acceptedEncodings(acceptEncoding)
  for (const { encoding, suffix } of VARIANTS) {
    if (!accepted.has(encoding)) continue
    try {
      const info = await stat(file.path + suffix)
      if (!info.isFile() || info.mtimeMs < file.mtime) continue
      return { path: file.path + suffix, size: info.size, mtime: file.mtime, encoding }
    } catch {
      // No such variant: try the next.
    }
  }
  return file
}
