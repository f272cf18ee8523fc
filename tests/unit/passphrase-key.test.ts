import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import fixture from '../fixtures/keys/made-with-noble-scrypt.json'
import { decryptFrames, openBackup } from '../../src/backup/frame-reader.ts'
import { fromBase64Url } from '../../src/lib/base64.ts'
import { isKdfRequest } from '../../src/lib/kdf-worker-protocol.ts'
import { stretchPassphrase } from '../../src/lib/passphrase-key.ts'
import type { VaultConfig } from '../../src/vault/vault-config.ts'
import { unlockVaultKey, Vault } from '../../src/vault/vault.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** A stand-in for the browser's Worker: `answer` says what the worker replies to a request. */
function fakeWorkers(answer: (request: unknown) => { data?: unknown; fail?: true }) {
  const started: string[] = []
  class FakeWorker {
    onmessage: ((event: { data: unknown }) => void) | null = null
    onerror: ((event: { preventDefault(): void }) => void) | null = null
    terminated = false
    constructor(url: URL) {
      started.push(url.pathname)
    }
    postMessage(request: unknown) {
      const reply = answer(request)
      setTimeout(() => {
        if (reply.fail) this.onerror?.({ preventDefault() {} })
        else this.onmessage?.({ data: reply.data })
      }, 1)
    }
    terminate() {
      this.terminated = true
    }
  }
  vi.stubGlobal('Worker', FakeWorker)
  return started
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('stretching a passphrase', () => {
  it('gives scrypt of RFC 7914 (its test vector)', async () => {
    const key = await stretchPassphrase(
      'password',
      new TextEncoder().encode('NaCl'),
      { log2N: 10, r: 8, p: 16 },
      64,
    )
    expect(hex(key)).toBe(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    )
  })

  it('gives the bytes the earlier scrypt (@noble/hashes) gave for the NFC form of the passphrase', async () => {
    const salt = new Uint8Array(16).fill(9)
    const kdf = { log2N: 11, r: 8, p: 1 }
    const passphrase = 'cafe\u0301 au lait'
    const earlier = nobleScrypt(new TextEncoder().encode(passphrase.normalize('NFC')), salt, {
      N: 2 ** kdf.log2N,
      r: kdf.r,
      p: kdf.p,
      dkLen: 32,
    })
    expect(hex(await stretchPassphrase(passphrase, salt, kdf, 32))).toBe(hex(earlier))
  })

  it('opens a backup and a storage lock made before the key derivation moved', async () => {
    const file = fromBase64Url(fixture.backup)
    async function* once() {
      yield file
    }
    const opened = await openBackup(once(), 'backup made before the key worker')
    const plain: number[] = []
    for await (const piece of decryptFrames(once(), opened)) plain.push(...piece)
    expect(new TextDecoder().decode(new Uint8Array(plain))).toBe(
      'Plaintext of a backup written by the earlier key derivation.',
    )
    const key = await unlockVaultKey(
      fixture.vault as VaultConfig,
      'lock made before the key worker',
    )
    const vault = Vault.open()
    vault.use(key, true)
    const value = await vault.read('documents/x/snapshot/1', fromBase64Url(fixture.sealed))
    expect(new TextDecoder().decode(value)).toBe('A value sealed by the earlier lock.')
  })

  it('runs in a worker of its own where there are workers, and sends it a valid request', async () => {
    const requests: unknown[] = []
    const started = fakeWorkers((request) => {
      requests.push(request)
      return { data: { v: 1, ok: true, key: new Uint8Array(32).fill(7) } }
    })
    const key = await stretchPassphrase(
      'from a worker',
      new Uint8Array(16),
      { log2N: 10, r: 8, p: 1 },
      32,
    )
    expect(started).toEqual([expect.stringMatching(/kdf-worker\.ts$/)])
    expect(key).toEqual(new Uint8Array(32).fill(7))
    expect(requests.every(isKdfRequest)).toBe(true)
  })

  it("derives the key here when the worker's script cannot run", async () => {
    const started = fakeWorkers(() => ({ fail: true }))
    const salt = new Uint8Array(16).fill(3)
    const kdf = { log2N: 10, r: 8, p: 1 }
    const key = await stretchPassphrase('no worker', salt, kdf, 32)
    expect(started).toHaveLength(1)
    const expected = nobleScrypt(new TextEncoder().encode('no worker'), salt, {
      N: 1024,
      r: 8,
      p: 1,
      dkLen: 32,
    })
    expect(hex(key)).toBe(hex(expected))
  })

  it('refuses a malformed reply and reports a failed derivation with its reason', async () => {
    fakeWorkers(() => ({ data: { v: 1, ok: true, key: new Uint8Array(5) } }))
    await expect(
      stretchPassphrase('x', new Uint8Array(16), { log2N: 10, r: 8, p: 1 }, 32),
    ).rejects.toThrow('answered wrongly')
    fakeWorkers(() => ({
      data: { v: 1, ok: false, message: 'The key could not be derived: out of memory' },
    }))
    await expect(
      stretchPassphrase('x', new Uint8Array(16), { log2N: 10, r: 8, p: 1 }, 32),
    ).rejects.toThrow('out of memory')
  })

  it('the worker takes only requests within the bounds stored settings may have', () => {
    const ok = {
      v: 1,
      password: new Uint8Array(3),
      salt: new Uint8Array(16),
      kdf: { log2N: 17, r: 8, p: 1 },
      bytes: 32,
    }
    expect(isKdfRequest(ok)).toBe(true)
    expect(isKdfRequest({ ...ok, kdf: { log2N: 30, r: 8, p: 1 } })).toBe(false)
    expect(isKdfRequest({ ...ok, bytes: 1e9 })).toBe(false)
    expect(isKdfRequest({ ...ok, password: 'text' })).toBe(false)
    expect(isKdfRequest({ ...ok, v: 2 })).toBe(false)
    expect(isKdfRequest(null)).toBe(false)
  })
})
