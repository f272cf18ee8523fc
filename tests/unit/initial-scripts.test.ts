import { describe, expect, it } from 'vitest'
import { initialScripts, type BuildManifest } from '../../bench/initial-scripts.ts'

const manifest: BuildManifest = {
  'index.html': {
    file: 'assets/index-a.js',
    src: 'index.html',
    isEntry: true,
    imports: ['_shared-b.js'],
    dynamicImports: ['src/lazy.ts'],
  },
  '_shared-b.js': { file: 'assets/shared-b.js', imports: ['_deep-c.js'] },
  '_deep-c.js': { file: 'assets/deep-c.js', imports: ['_shared-b.js'] },
  'src/lazy.ts': { file: 'assets/lazy-d.js', imports: ['_lazy-only-e.js'] },
  '_lazy-only-e.js': { file: 'assets/lazy-only-e.js' },
  'automerge_wasm_bg.wasm': { file: 'assets/automerge_wasm_bg-f.wasm' },
}

describe('initialScripts', () => {
  it('follows static imports of the entry, not dynamic ones, and survives import cycles', () => {
    const html = `<!doctype html><html><head>
      <link rel="icon" href="/icons/icon.svg" />
      <script type="module" crossorigin src="/assets/index-a.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/shared-b.js">
      <link rel="stylesheet" href="/assets/index.css">
      </head><body></body></html>`
    expect(initialScripts(html, manifest)).toEqual({
      files: ['assets/deep-c.js', 'assets/index-a.js', 'assets/shared-b.js'],
      inline: [],
    })
  })

  it('counts inline and classic scripts, ignores remote ones and wasm', () => {
    const html = `<script>window.x = 1</script>
      <script src="./legacy.js?v=2"></script>
      <script src="https://example.com/remote.js"></script>
      <link rel="modulepreload" href="/assets/automerge_wasm_bg-f.wasm">`
    expect(initialScripts(html, manifest)).toEqual({
      files: ['legacy.js'],
      inline: ['window.x = 1'],
    })
  })
})
