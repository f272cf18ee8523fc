import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// Node only: the unit tier (unit tests and the Node side of the contract suites) and the node
// tier (integration tests: relay, peers over WebRTC, child processes). The soak tier has its
// own config, vitest.soak.config.ts. Browser tests live in tests/e2e and run under Playwright.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { runes: true } })],
  test: {
    environment: 'node',
    globalSetup: ['tests/support/vitest-global-setup.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // Three workers on two cores: a whole run used about 66 s of CPU (user + system) against
    // 69 s of wall time on a quiet machine, so two workers left the cores idle about half the
    // time while tests waited on sockets, child processes, WebRTC and timers.
    maxWorkers: 3,
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
        // Not isolated either: loading @roamhq/wrtc, the relay and Automerge afresh for each
        // of ~45 files took about as much CPU as their tests. The files that stub globals for
        // peerjs put them back after (peerjs-node-globals.ts), and every server, process and
        // connection a test starts is closed in its own teardown.
        test: { name: 'node', include: ['tests/node/**/*.test.ts'], isolate: false },
      },
    ],
  },
})
