import { ensureTurnserver } from './coturn.ts'
import { ensureRedisServer } from './redis-server.ts'

/**
 * Installs the Debian packages the node tier needs, once, before any test process starts.
 * Left to the test files, three processes loading their files at once each ran apt-get: the
 * first got dpkg's lock and the others found no binary, so a fresh machine skipped the Redis
 * relay tests on its first run.
 */
export default function installTestPackages(): void {
  ensureRedisServer()
  try {
    ensureTurnserver()
  } catch (error) {
    // The TURN tests say so themselves when they start; the other tiers do not need coturn.
    console.warn(String(error))
  }
}
