/**
 * Writes `x.br` and `x.gz` beside each compressible file of a build, so the server sends
 * compressed bytes without compressing on every request (signaling/precompressed.ts picks them).
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { extname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { Plugin } from 'vite'
import { COMPRESSIBLE_EXTENSIONS } from '../signaling/precompressed.ts'

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** Files smaller than this are sent as they are: compression would save less than a packet. */
const MIN_BYTES = 1024

export interface PrecompressOptions {
  /**
   * A folder where compressed bytes are kept by content hash: brotli at its best quality takes
   * half a minute for the Automerge wasm, which rarely changes between builds.
   */
  cacheDir?: string
}

async function compressed(
  data: Buffer,
  kind: 'br' | 'gz',
  isText: boolean,
  cacheDir: string | undefined,
): Promise<Buffer> {
  const key = createHash('sha256').update(data).digest('hex')
  const cached = cacheDir ? join(cacheDir, `${key}.${kind}`) : undefined
  if (cached) {
    try {
      return await readFile(cached)
    } catch {
      // Not cached yet.
    }
  }
  const out =
    kind === 'br'
      ? await brotli(data, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: isText
              ? constants.BROTLI_MODE_TEXT
              : constants.BROTLI_MODE_GENERIC,
            [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        })
      : await gzipAsync(data, { level: constants.Z_BEST_COMPRESSION })
  if (cached && cacheDir) {
    await mkdir(cacheDir, { recursive: true })
    await writeFile(cached, out)
  }
  return out
}

/**
 * Compresses each listed file (paths relative to `dir`) whose extension is compressible and that
 * is at least 1 KiB; a variant is written only when it is smaller than the file. Returns the
 * variants written, relative to `dir`.
 */
export async function precompressFiles(
  dir: string,
  files: readonly string[],
  options: PrecompressOptions = {},
): Promise<string[]> {
  const written: string[] = []
  await Promise.all(
    files
      .filter((file) => COMPRESSIBLE_EXTENSIONS.has(extname(file)))
      .map(async (file) => {
        const data = await readFile(join(dir, file))
        if (data.length < MIN_BYTES) return
        const isText = extname(file) !== '.wasm'
        for (const kind of ['br', 'gz'] as const) {
          const out = await compressed(data, kind, isText, options.cacheDir)
          if (out.length >= data.length) continue
          await writeFile(join(dir, `${file}.${kind}`), out)
          written.push(`${file}.${kind}`)
        }
      }),
  )
  return written.sort()
}

/** Every file under `dir`, relative to it, with `/` separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
}

/**
 * A Vite build plugin: precompresses every file the client build writes, and afterwards the
 * files other plugins write when the bundle closes (vite-plugin-pwa's sw.js and manifest).
 */
export function precompress(options: PrecompressOptions = {}): Plugin {
  let outDir: string | undefined
  const done = new Set<string>()
  return {
    name: 'peerplace:precompress',
    apply: 'build',
    async writeBundle(output, bundle) {
      if (!output.dir) return
      outDir = output.dir
      const files = Object.keys(bundle)
      const written = await precompressFiles(output.dir, files, options)
      for (const file of files) done.add(file)
      this.info(`precompressed ${written.length} files (brotli and gzip)`)
    },
    closeBundle: {
      sequential: true,
      order: 'post',
      async handler() {
        if (!outDir) return
        const later = (await filesUnder(outDir)).filter(
          (file) => !done.has(file) && !file.endsWith('.br') && !file.endsWith('.gz'),
        )
        const written = await precompressFiles(outDir, later, options)
        if (written.length > 0) this.info(`precompressed ${written.join(', ')}`)
      },
    },
  }
}
