import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// Node only: unit tests, Node integration tests and the Node side of the contract suites
// (the soak tier has its own config, vitest.soak.config.ts).
// Browser tests live in tests/e2e and run under Playwright.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { runes: true } })],
  test: {
    environment: 'node',
    include: ['tests/{unit,node,contract}/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    maxWorkers: 2,
    passWithNoTests: false,
  },
})
