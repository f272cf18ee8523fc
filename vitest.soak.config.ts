import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

// The soak tier: long randomised runs in Node (`npm run test:soak`), kept out of the unit and
// node tiers (vitest.config.ts) so that those stay quick enough to run after every change.
const { projects: _tiers, ...shared } = base.test ?? {}
export default defineConfig({
  ...base,
  test: { ...shared, include: ['tests/soak/**/*.test.ts'] },
})
