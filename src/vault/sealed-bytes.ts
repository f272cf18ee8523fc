/**
 * One stored value sealed with the at-rest key: "PPv1" | 12-byte nonce | AES-GCM ciphertext and
 * tag. The value's place in storage (its context) is bound in as associated data, so a sealed
 * value moved to another key does not open.
 */
const MAGIC = [0x50, 0x50, 0x76, 0x31]
const NONCE_BYTES = 12
const TAG_BYTES = 16
const OVERHEAD = MAGIC.length + NONCE_BYTES + TAG_BYTES

/** Whether stored bytes carry the sealed layout (they may still be plain bytes that happen to). */
export function looksSealed(bytes: Uint8Array): boolean {
  return bytes.length >= OVERHEAD && MAGIC.every((byte, i) => bytes[i] === byte)
}

export async function sealBytes(
  key: CryptoKey,
  plain: Uint8Array,
  context: string,
): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
  const cipher = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: encode(context), tagLength: TAG_BYTES * 8 },
    key,
    plain as Uint8Array<ArrayBuffer>,
  )
  const out = new Uint8Array(MAGIC.length + NONCE_BYTES + cipher.byteLength)
  out.set(MAGIC, 0)
  out.set(nonce, MAGIC.length)
  out.set(new Uint8Array(cipher), MAGIC.length + NONCE_BYTES)
  return out
}

/** Opens a sealed value; undefined when it does not open with this key and context. */
export async function unsealBytes(
  key: CryptoKey,
  sealed: Uint8Array,
  context: string,
): Promise<Uint8Array | undefined> {
  if (!looksSealed(sealed)) return undefined
  try {
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: sealed.slice(MAGIC.length, MAGIC.length + NONCE_BYTES),
        additionalData: encode(context),
        tagLength: TAG_BYTES * 8,
      },
      key,
      sealed.subarray(MAGIC.length + NONCE_BYTES) as Uint8Array<ArrayBuffer>,
    )
    return new Uint8Array(plain)
  } catch {
    return undefined
  }
}

function encode(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text)
}
