import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// Node only: the unit tier (unit tests and the Node side of the contract suites) and the node
// tier (integration tests: relay, peers over WebRTC, child processes). The soak tier has its
// own config, vitest.soak.config.ts. Browser tests live in tests/e2e and run under Playwright.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { runes: true } })],
  test: {
    environment: 'node',
    exclude: ['tests/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    maxWorkers: 2,
    passWithNoTests: false,
    projects: [
      {
        extends: true,
        // The unit tier's files share a worker's module cache (no isolation): loading Automerge
        // and the app's modules afresh for each of ~115 files cost more than half its CPU time.
        // Its tests set no globals they do not restore, and fake timers are put back after each.
        test: { name: 'unit', include: ['tests/{unit,contract}/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        // Isolated: these files set globals for peerjs and WebRTC and start servers.
        test: { name: 'node', include: ['tests/node/**/*.test.ts'] },
      },
    ],
  },
})
