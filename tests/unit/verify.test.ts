import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as VerifyModule from '../../src/peer/identity/verify.ts'
import { createTestIdentity } from '../support/test-identity.ts'

const message = new TextEncoder().encode('peerplace-relay-v1:nonce')

async function signed(): Promise<{ publicKey: Uint8Array; signature: Uint8Array }> {
  const identity = await createTestIdentity()
  return { publicKey: identity.publicKey, signature: await identity.sign(message) }
}

/** The module afresh, so its memo of WebCrypto support starts empty. */
async function freshVerify(): Promise<typeof VerifyModule> {
  vi.resetModules()
  return import('../../src/peer/identity/verify.ts')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each([
  ['WebCrypto', false],
  ['the @noble/curves fallback', true],
])('verifyEd25519 with %s', (_name, withoutWebCryptoEd25519) => {
  async function verifier(): Promise<typeof VerifyModule> {
    const module = await freshVerify()
    if (withoutWebCryptoEd25519) {
      const original = crypto.subtle.importKey.bind(crypto.subtle)
      vi.spyOn(crypto.subtle, 'importKey').mockImplementation(((...args: unknown[]) =>
        args[2] === 'Ed25519'
          ? Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError'))
          : (original as (...a: unknown[]) => Promise<CryptoKey>)(...args)) as never)
    }
    return module
  }

  it('accepts a valid signature', async () => {
    const { verifyEd25519 } = await verifier()
    const { publicKey, signature } = await signed()
    expect(await verifyEd25519(publicKey, message, signature)).toBe(true)
    if (withoutWebCryptoEd25519) expect(crypto.subtle.importKey).toHaveBeenCalled()
  })

  it('refuses a tampered message, a tampered signature and another key', async () => {
    const { verifyEd25519 } = await verifier()
    const { publicKey, signature } = await signed()
    const other = await signed()
    const tamperedMessage = message.slice()
    tamperedMessage[0]! ^= 1
    const tamperedSignature = signature.slice()
    tamperedSignature[10]! ^= 1
    expect(await verifyEd25519(publicKey, tamperedMessage, signature)).toBe(false)
    expect(await verifyEd25519(publicKey, message, tamperedSignature)).toBe(false)
    expect(await verifyEd25519(other.publicKey, message, signature)).toBe(false)
  })

  it('refuses malformed keys and signatures without throwing', async () => {
    const { verifyEd25519 } = await verifier()
    const { publicKey, signature } = await signed()
    expect(await verifyEd25519(publicKey.subarray(1), message, signature)).toBe(false)
    expect(await verifyEd25519(publicKey, message, signature.subarray(1))).toBe(false)
    expect(await verifyEd25519(new Uint8Array(32).fill(0xff), message, signature)).toBe(false)
  })

  it('a key-bound verifier accepts its signer’s signatures only, without throwing', async () => {
    const { ed25519Verifier } = await verifier()
    const { publicKey, signature } = await signed()
    const verify = ed25519Verifier(publicKey)
    const tampered = message.slice()
    tampered[0]! ^= 1
    expect(await verify(message, signature)).toBe(true)
    expect(await verify(message, signature)).toBe(true)
    expect(await verify(tampered, signature)).toBe(false)
    expect(await verify(message, signature.subarray(1))).toBe(false)
    expect(await ed25519Verifier((await signed()).publicKey)(message, signature)).toBe(false)
    expect(await ed25519Verifier(new Uint8Array(32).fill(0xff))(message, signature)).toBe(false)
    if (withoutWebCryptoEd25519) expect(crypto.subtle.importKey).toHaveBeenCalled()
  })
})
