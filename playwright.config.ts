import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './tests/support/browser.ts'

// One worker: the machine has two cores and each test drives several browser contexts.
// BASE_URL is set by the global setup, which serves dist/ with the relay in process.
export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // One retry in CI: a test that passes only on retry is reported as flaky in the output, not hidden.
  retries: process.env.CI ? 1 : 0,
  // Tests drive up to five browsers on two cores: generous, still bounded.
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    ...(process.env.BASE_URL ? { baseURL: process.env.BASE_URL } : {}),
  },
})
