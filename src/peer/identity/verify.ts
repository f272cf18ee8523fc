/**
 * Ed25519 signature verification for browsers and Node: WebCrypto where it knows Ed25519,
 * else @noble/curves (loaded only when needed). Never throws: a malformed key or signature
 * simply does not verify.
 */
export async function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    if (await webCryptoHasEd25519()) {
      const key = await crypto.subtle.importKey('raw', bytes(publicKey), 'Ed25519', false, [
        'verify',
      ])
      return await crypto.subtle.verify('Ed25519', key, bytes(signature), bytes(message))
    }
    const { ed25519 } = await import('@noble/curves/ed25519.js')
    // Strict RFC 8032 rules, as WebCrypto applies them, so every platform agrees.
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * A verifier for one public key that imports it once: checking many signatures by one signer
 * (a chat history) costs one verification each. Never throws, as `verifyEd25519`.
 */
export function ed25519Verifier(
  publicKey: Uint8Array,
): (message: Uint8Array, signature: Uint8Array) => Promise<boolean> {
  let imported: Promise<CryptoKey | null> | undefined
  const key = () =>
    (imported ??= webCryptoHasEd25519().then((has) =>
      has && publicKey.length === 32
        ? crypto.subtle.importKey('raw', bytes(publicKey), 'Ed25519', false, ['verify'])
        : null,
    ))
  return async (message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false
    try {
      const cryptoKey = await key()
      if (cryptoKey) {
        return await crypto.subtle.verify('Ed25519', cryptoKey, bytes(signature), bytes(message))
      }
      const { ed25519 } = await import('@noble/curves/ed25519.js')
      return ed25519.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  }
}

// The public key of RFC 8032's first test vector: any platform with Ed25519 imports it.
const PROBE_KEY = new Uint8Array([
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
  0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
])

let support: Promise<boolean> | undefined

function webCryptoHasEd25519(): Promise<boolean> {
  support ??= crypto.subtle.importKey('raw', PROBE_KEY, 'Ed25519', false, ['verify']).then(
    () => true,
    () => false,
  )
  return support
}

function bytes(view: Uint8Array): BufferSource {
  return view as Uint8Array<ArrayBuffer>
}
