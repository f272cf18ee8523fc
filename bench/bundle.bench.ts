/** `bundle.initial_js_gzip_kb`: gzip size of the JavaScript index.html loads before first paint. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { BenchContext, Metric } from './harness.ts'
import { initialScripts, type BuildManifest } from './initial-scripts.ts'

/** Gzip at zlib's default level (6), as web servers commonly compress. 1 KB = 1000 bytes. */
function gzipKb(data: Uint8Array | string): number {
  return gzipSync(data).length / 1000
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const manifestPath = join(ctx.distDir, '.vite', 'manifest.json')
  await ctx.ensureBuilt()
  if (!existsSync(manifestPath)) await ctx.ensureBuilt({ force: true })
  if (!existsSync(manifestPath)) throw new Error('vite build wrote no manifest (build.manifest)')

  const html = readFileSync(join(ctx.distDir, 'index.html'), 'utf8')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BuildManifest
  const { files, inline } = initialScripts(html, manifest)
  if (files.length === 0 && inline.length === 0) throw new Error('index.html loads no script')

  let total = 0
  for (const file of files) {
    const size = gzipKb(readFileSync(join(ctx.distDir, file)))
    ctx.log(`${file}: ${size.toFixed(1)} KB gzip`)
    total += size
  }
  for (const body of inline) total += gzipKb(body)
  return [
    { name: 'bundle.initial_js_gzip_kb', value: Math.round(total * 10) / 10, unit: 'KB', runs: 1 },
  ]
}
