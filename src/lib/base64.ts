/**
 * Base64 (RFC 4648 §4, padded: the relay's wire protocol) and base64url without padding
 * (§5: keys, signatures and tokens in JSON and URLs).
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/

function binaryOf(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return binary
}

function bytesOf(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** Whether `text` is padded standard base64. */
export function isBase64(text: string): boolean {
  return BASE64.test(text)
}

export function toBase64(bytes: Uint8Array): string {
  return btoa(binaryOf(bytes))
}

/** Decodes padded standard base64; undefined when the text is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  return BASE64.test(text) ? bytesOf(atob(text)) : undefined
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Decodes base64url (padding optional); throws a clear Error on anything else. */
export function fromBase64Url(text: string): Uint8Array {
  const bare = text.replace(/=+$/, '')
  if (!BASE64URL.test(text) || bare.length % 4 === 1) throw new Error('not base64url text')
  const b64 = bare.replace(/-/g, '+').replace(/_/g, '/')
  return bytesOf(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), '=')))
}
