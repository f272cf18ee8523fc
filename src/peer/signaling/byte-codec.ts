/** Small binary helpers for compact texts: a byte writer and reader, base32 and base64url. */

export class ByteWriter {
  readonly #bytes: number[] = []
  byte(value: number): void {
    this.#bytes.push(value & 255)
  }
  bytes(values: Uint8Array): void {
    for (const value of values) this.#bytes.push(value)
  }
  shortText(text: string): void {
    const bytes = new TextEncoder().encode(text)
    if (bytes.length > 255) throw new Error('text too long for the pairing code')
    this.byte(bytes.length)
    this.bytes(bytes)
  }
  varint(value: number): void {
    let rest = value
    while (rest >= 128) {
      this.byte((rest % 128) | 128)
      rest = Math.floor(rest / 128)
    }
    this.byte(rest)
  }
  done(): Uint8Array {
    return Uint8Array.from(this.#bytes)
  }
}

export class ByteReader {
  #offset = 0
  constructor(readonly source: Uint8Array) {}
  byte(): number {
    const value = this.source[this.#offset]
    if (value === undefined) throw new Error('it ends too early')
    this.#offset++
    return value
  }
  bytes(length: number): Uint8Array {
    if (this.#offset + length > this.source.length) throw new Error('it ends too early')
    const out = this.source.slice(this.#offset, this.#offset + length)
    this.#offset += length
    return out
  }
  shortText(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(this.byte()))
  }
  varint(): number {
    let value = 0
    for (let scale = 1; scale < 2 ** 49; scale *= 128) {
      const byte = this.byte()
      value += (byte & 127) * scale
      if (!(byte & 128)) return value
    }
    throw new Error('number too large')
  }
  rest(): Uint8Array {
    return this.bytes(this.source.length - this.#offset)
  }
  end(): void {
    if (this.#offset !== this.source.length) throw new Error('unexpected bytes at the end')
  }
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** Decodes unpadded lower-case base32 whose length is a multiple of 8 (peer and session IDs). */
export function base32Decode(text: string): Uint8Array {
  const out: number[] = []
  let buffer = 0
  let bits = 0
  for (const char of text) {
    buffer = (buffer << 5) | BASE32.indexOf(char)
    bits += 5
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Uint8Array.from(out)
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/')
  return Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) =>
    c.charCodeAt(0),
  )
}
