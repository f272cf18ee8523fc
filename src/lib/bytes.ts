/** Thrown by ByteReader on malformed input; the message says what was wrong. */
export class DecodeError extends Error {}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Builds a frame from fixed-width fields (big-endian), varints and length-prefixed strings. */
export class ByteWriter {
  readonly #parts: Uint8Array[] = []
  #length = 0

  u8(value: number): this {
    return this.bytes(Uint8Array.of(value))
  }

  u32(value: number): this {
    const part = new Uint8Array(4)
    new DataView(part.buffer).setUint32(0, value)
    return this.bytes(part)
  }

  f64(value: number): this {
    const part = new Uint8Array(8)
    new DataView(part.buffer).setFloat64(0, value)
    return this.bytes(part)
  }

  /** A UTF-8 string behind a one-byte length. */
  string8(value: string): this {
    const encoded = encoder.encode(value)
    if (encoded.length > 255) throw new RangeError('string too long for a one-byte length')
    return this.u8(encoded.length).bytes(encoded)
  }

  /** A non-negative integer in 7-bit groups, least significant first (1 byte below 128). */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('varint out of range')
    let rest = value
    while (rest >= 128) {
      this.u8((rest % 128) | 128)
      rest = Math.floor(rest / 128)
    }
    return this.u8(rest)
  }

  /** A UTF-8 string behind a two-byte length. */
  string16(value: string): this {
    const encoded = encoder.encode(value)
    if (encoded.length > 0xffff) throw new RangeError('string too long for a two-byte length')
    const length = new Uint8Array(2)
    new DataView(length.buffer).setUint16(0, encoded.length)
    return this.bytes(length).bytes(encoded)
  }

  bytes(value: Uint8Array): this {
    this.#parts.push(value)
    this.#length += value.length
    return this
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let offset = 0
    for (const part of this.#parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }
}

/** Reads fields back; every read checks the remaining length. */
export class ByteReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #offset = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  u8(what: string): number {
    this.#need(1, what)
    return this.#view.getUint8(this.#offset++)
  }

  u32(what: string): number {
    this.#need(4, what)
    const value = this.#view.getUint32(this.#offset)
    this.#offset += 4
    return value
  }

  f64(what: string): number {
    this.#need(8, what)
    const value = this.#view.getFloat64(this.#offset)
    this.#offset += 8
    return value
  }

  bytes(length: number, what: string): Uint8Array {
    this.#need(length, what)
    const value = this.#bytes.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return value
  }

  varint(what: string): number {
    let value = 0
    for (let scale = 1; scale < 2 ** 49; scale *= 128) {
      const byte = this.u8(what)
      value += (byte & 127) * scale
      if (!(byte & 128)) return value
    }
    throw new DecodeError(`${what} is too large`)
  }

  string8(what: string): string {
    return this.#utf8(this.bytes(this.u8(`${what} length`), what), what)
  }

  string16(what: string): string {
    this.#need(2, `${what} length`)
    const length = this.#view.getUint16(this.#offset)
    this.#offset += 2
    return this.#utf8(this.bytes(length, what), what)
  }

  /** Everything not read yet. */
  rest(): Uint8Array {
    const value = this.#bytes.subarray(this.#offset)
    this.#offset = this.#bytes.length
    return value
  }

  /** Fails if bytes are left over. */
  end(): void {
    const left = this.#bytes.length - this.#offset
    if (left > 0) throw new DecodeError(`${left} unexpected trailing bytes`)
  }

  #need(length: number, what: string): void {
    if (this.#offset + length > this.#bytes.length) throw new DecodeError(`truncated ${what}`)
  }

  #utf8(bytes: Uint8Array, what: string): string {
    try {
      return decoder.decode(bytes)
    } catch {
      throw new DecodeError(`${what} is not valid UTF-8`)
    }
  }
}
