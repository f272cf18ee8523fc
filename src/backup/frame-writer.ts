import { deriveBackupKeys, headerMac, type BackupKeys } from './backup-key.ts'
import {
  DEFAULT_FRAME_BYTES,
  DEFAULT_KDF,
  encodeHeaderBody,
  frameNonce,
  MAX_FRAME_BYTES,
  SALT_BYTES,
  TAG_BYTES,
  type KdfParams,
} from './backup-format.ts'
import type { ByteSink } from './byte-sink.ts'

/** Frames sealed at once at most (each holds its plaintext and ciphertext until written). */
const IN_FLIGHT = 2

export interface FrameWriterOptions {
  passphrase: string
  sink: ByteSink
  kdf?: KdfParams
  frameBytes?: number
}

/**
 * Encrypts a byte stream into the backup format (see backup-format.ts): the header, then one
 * sealed frame per `frameBytes` of plaintext, the last one flagged final by `finish()`.
 */
export class FrameWriter {
  readonly #sink: ByteSink
  readonly #keys: BackupKeys
  readonly #header: Uint8Array<ArrayBuffer>
  readonly #frameBytes: number
  #buffer: Uint8Array[] = []
  #buffered = 0
  /** Frames being sealed, oldest first: the next fills while they are encrypted. */
  #sealing: Promise<Uint8Array>[] = []
  #index = 0
  #finished = false
  /** Bytes handed to the sink so far. */
  written = 0

  private constructor(sink: ByteSink, keys: BackupKeys, header: Uint8Array, frameBytes: number) {
    this.#sink = sink
    this.#keys = keys
    this.#header = header as Uint8Array<ArrayBuffer>
    this.#frameBytes = frameBytes
  }

  /** Derives the key (the slow part) and writes the header. */
  static async open(options: FrameWriterOptions): Promise<FrameWriter> {
    const kdf = options.kdf ?? DEFAULT_KDF
    const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES
    if (!Number.isSafeInteger(frameBytes) || frameBytes < 1 || frameBytes > MAX_FRAME_BYTES) {
      throw new RangeError('frame size out of range')
    }
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
    const keys = await deriveBackupKeys(options.passphrase, salt, kdf)
    const body = encodeHeaderBody({ kdf, frameBytes, salt })
    const header = new Uint8Array(body.length + 32)
    header.set(body, 0)
    header.set(headerMac(keys, body), body.length)
    const writer = new FrameWriter(options.sink, keys, header, frameBytes)
    await writer.#emit(header)
    return writer
  }

  /**
   * Appends plaintext (one array or pieces of one record); whole frames are sealed and written
   * as they fill. The bytes are copied once, into their frame, when it is sealed: they must not
   * change until then.
   */
  async write(bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.#finished) throw new Error('the backup is already finished')
    for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) {
      if (piece.length === 0) continue
      this.#buffer.push(piece)
      this.#buffered += piece.length
    }
    // A full frame waits until more follows, so the final frame is never empty needlessly.
    while (this.#buffered > this.#frameBytes) await this.#seal(this.#take(this.#frameBytes), false)
  }

  /** Seals what is left as the final frame and closes the sink. */
  async finish(): Promise<void> {
    if (this.#finished) return
    await this.#seal(this.#take(this.#buffered), true)
    while (this.#sealing.length > 0) await this.#emitOldest()
    this.#finished = true
    await this.#sink.close()
  }

  async abort(reason: unknown): Promise<void> {
    this.#finished = true
    this.#sealing = []
    await this.#sink.abort(reason)
  }

  #take(count: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(count)
    let at = 0
    while (at < count) {
      const head = this.#buffer[0]!
      const used = Math.min(head.length, count - at)
      out.set(head.subarray(0, used), at)
      at += used
      if (used === head.length) this.#buffer.shift()
      else this.#buffer[0] = head.subarray(used)
    }
    this.#buffered -= count
    return out
  }

  /**
   * Starts sealing a frame; the page goes on reading and encoding the next one meanwhile (the
   * browser encrypts on another thread). Frames are written in order, at most IN_FLIGHT behind.
   */
  async #seal(plain: Uint8Array<ArrayBuffer>, final: boolean): Promise<void> {
    const sealed = crypto.subtle
      .encrypt(
        {
          name: 'AES-GCM',
          iv: frameNonce(this.#index++, final),
          additionalData: this.#header,
          tagLength: TAG_BYTES * 8,
        },
        this.#keys.aes,
        plain,
      )
      .then((cipher) => new Uint8Array(cipher))
    // Awaited in turn by #emitOldest; not an unhandled failure meanwhile.
    sealed.catch(() => {})
    this.#sealing.push(sealed)
    while (this.#sealing.length > IN_FLIGHT) await this.#emitOldest()
  }

  async #emitOldest(): Promise<void> {
    const sealed = await this.#sealing.shift()!
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, sealed.length)
    await this.#emit(length)
    await this.#emit(sealed)
  }

  async #emit(bytes: Uint8Array): Promise<void> {
    await this.#sink.write(bytes)
    this.written += bytes.length
  }
}
