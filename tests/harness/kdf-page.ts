/**
 * A test page for the passphrase key derivation in a real browser (tests/e2e/key-derivation
 * .spec.ts), driven through `window.kdfDriver`: derives a key the way the storage lock and
 * backups do, timing how late a 10 ms timer of the page fires meanwhile.
 */
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js'
import { stretchPassphrase } from '../../src/lib/passphrase-key.ts'

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

async function derive(passphrase: string, log2N: number) {
  const salt = new Uint8Array(16).fill(5)
  let last = performance.now()
  let maxGapMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
  }, 10)
  const started = performance.now()
  const key = await stretchPassphrase(passphrase, salt, { log2N, r: 8, p: 1 }, 32)
  const ms = performance.now() - started
  clearInterval(timer)
  maxGapMs = Math.max(maxGapMs, performance.now() - last)
  return { ms, maxGapMs, key: hex(key) }
}

/** The same key from the scrypt of @noble/hashes, in this thread (what earlier versions used). */
function reference(passphrase: string, log2N: number): string {
  const salt = new Uint8Array(16).fill(5)
  const password = new TextEncoder().encode(passphrase.normalize('NFC'))
  return hex(nobleScrypt(password, salt, { N: 2 ** log2N, r: 8, p: 1, dkLen: 32 }))
}

const driver = { derive, reference }

declare global {
  interface Window {
    kdfDriver: typeof driver
  }
}

window.kdfDriver = driver
