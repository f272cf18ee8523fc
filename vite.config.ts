import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import wasm from 'vite-plugin-wasm'
import { nodePolyfills } from 'vite-plugin-node-polyfills'
import { VitePWA } from 'vite-plugin-pwa'
import { pwaManifest } from './src/app/pwa-manifest.ts'
import { precompress } from './scripts/precompress.ts'
import { stripWasmNamesPlugin } from './scripts/strip-wasm-names.ts'
import { automergePatchCache } from './scripts/automerge-patch-cache.ts'
import { automergeRepoLoad } from './scripts/automerge-repo-load.ts'
import { automergeRepoHandle } from './scripts/automerge-repo-handle.ts'
import { automergeUnreadPatches } from './scripts/automerge-unread-patches.ts'
import { automergeShortText } from './scripts/automerge-short-text.ts'
import { automergeDirectImports } from './scripts/automerge-direct-imports.ts'
import { cborNoEval } from './scripts/cbor-x-no-eval.ts'

/** The wasm vite-plugin-wasm instantiates for Automerge; its package exports do not list it. */
const automergeWasm = fileURLToPath(
  new URL(
    './node_modules/@automerge/automerge/dist/mjs/wasm_bindgen_output/bundler/automerge_wasm_bg.wasm',
    import.meta.url,
  ),
)

/** Build-time fixes to Automerge and automerge-repo, for the page and for the workers. */
const dependencyFixes = () => [
  // Automerge's last-patch cache never matched: every document update was diffed twice.
  automergePatchCache(),
  // automerge-repo loaded a stored document by applying patches from empty, and diffed it again.
  automergeRepoLoad(),
  // …hashed every document's heads twice after each update, only to compare them, and parsed
  // its state's name on every isReady().
  automergeRepoHandle(),
  // …and Automerge built every change's patches for the event even when no listener read them.
  automergeUnreadPatches(),
  // Automerge's glue decoded every short key of every patch with a TextDecoder call…
  automergeShortText(),
  // …and called each function the wasm imports through a closure made per call.
  automergeDirectImports(),
  // cbor-x, automerge-repo's codec, probed for eval on load: a CSP violation in every context.
  cborNoEval(),
]

// simple-peer expects Node's buffer/events/stream; Automerge ships its core as wasm.
export default defineConfig({
  plugins: [
    svelte(),
    wasm(),
    ...dependencyFixes(),
    // Automerge's wasm carries 0.69 MB of function names only a debugger reads.
    stripWasmNamesPlugin(),
    nodePolyfills({
      include: ['buffer', 'events', 'stream', 'process', 'util'],
      globals: { Buffer: true, global: true, process: true },
    }),
    // injectManifest: our own worker (src/pwa/sw.ts) precaches like generateSW would, and also
    // receives the share target's POST. The wasm is listed (hence the size limit) but fetched
    // on demand and kept then, not precached (src/pwa/on-demand-assets.ts).
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/pwa',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: pwaManifest,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,wasm,png,svg,ico,webmanifest}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      },
    }),
    // .br and .gz beside each asset, for the server to send (signaling/precompressed.ts).
    precompress({ cacheDir: 'node_modules/.cache/peerplace-precompress' }),
  ],
  // src/app/document-layer.ts preloads it by this name (the same file, so one URL).
  resolve: { alias: [{ find: /^automerge-wasm-file(\?.*)?$/, replacement: `${automergeWasm}$1` }] },
  worker: {
    format: 'es',
    plugins: () => [wasm(), ...dependencyFixes()],
  },
  // The manifest lets bench/bundle.bench.ts follow what index.html loads.
  build: { target: 'esnext', sourcemap: true, manifest: true },
  // `npm run dev` talks to a relay started with `npm run relay` (port 8787) through this proxy.
  server: {
    port: 5173,
    proxy: {
      '/relay': { target: 'http://127.0.0.1:8787', ws: true },
      '/peerjs': { target: 'http://127.0.0.1:8787', ws: true },
    },
  },
})
