/**
 * Adds `<link rel="preload" as="fetch">` for the build's wasm to index.html, so Automerge's wasm
 * starts downloading while the page's scripts run instead of after the chain of imports that
 * needs it. Low priority: the scripts that paint the shell go first.
 */
import type { Plugin } from 'vite'

export function preloadWasm(): Plugin {
  let base = '/'
  return {
    name: 'peerplace:preload-wasm',
    apply: 'build',
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const files = Object.keys(ctx.bundle ?? {}).filter((file) => file.endsWith('.wasm'))
        return files.map((file) => ({
          tag: 'link',
          injectTo: 'head' as const,
          attrs: {
            rel: 'preload',
            href: base + file,
            as: 'fetch',
            type: 'application/wasm',
            crossorigin: true,
            fetchpriority: 'low',
          },
        }))
      },
    },
  }
}
