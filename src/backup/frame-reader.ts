import { BackupError } from './backup-error.ts'
import { deriveBackupKeys, headerMacMatches, type BackupKeys } from './backup-key.ts'
import {
  frameNonce,
  HEADER_BYTES,
  MAC_BYTES,
  MAGIC,
  parseHeader,
  TAG_BYTES,
} from './backup-format.ts'
import { ByteReader } from './byte-reader.ts'

/** An opened backup: its keys, to read the frames (once or several times) with `frames`. */
export interface OpenedBackup {
  keys: BackupKeys
  header: Uint8Array
}

/**
 * Reads the header of `source` and derives the keys from `passphrase`; throws a BackupError
 * ('not-a-backup', 'unsupported-version', 'truncated', 'damaged', 'wrong-passphrase').
 */
export async function openBackup(
  source: AsyncIterable<Uint8Array>,
  passphrase: string,
): Promise<OpenedBackup> {
  const reader = new ByteReader(source)
  const header = await reader.read(HEADER_BYTES)
  await reader.cancel()
  if (header.length < HEADER_BYTES && header.length >= MAGIC.length) {
    if (MAGIC.every((byte, i) => header[i] === byte)) throw truncated(header.length)
  }
  const fields = parseHeader(header)
  const keys = await deriveBackupKeys(passphrase, fields.salt, fields.kdf)
  if (!headerMacMatches(keys, header.subarray(0, HEADER_BYTES - MAC_BYTES), fields.mac)) {
    throw new BackupError(
      'wrong-passphrase',
      'The passphrase is wrong (or the start of the file is damaged).',
    )
  }
  return { keys, header }
}

/**
 * The plaintext of every frame (`source` read from its start again, header included) of `source` in order, each opened and checked; throws a
 * BackupError naming the byte offset where the file stops being genuine. The last piece is
 * yielded only once the final frame has been verified and nothing follows it.
 */
export async function* decryptFrames(
  source: AsyncIterable<Uint8Array>,
  opened: OpenedBackup,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source)
  const fields = parseHeader(opened.header)
  const header = await reader.read(HEADER_BYTES)
  if (!header.every((byte, i) => byte === opened.header[i])) {
    throw new BackupError('damaged', 'The file changed since it was opened.')
  }
  const aad = opened.header as Uint8Array<ArrayBuffer>
  const open = (frame: Uint8Array<ArrayBuffer>, index: number, final: boolean) =>
    crypto.subtle
      .decrypt(
        { name: 'AES-GCM', iv: frameNonce(index, final), additionalData: aad },
        opened.keys.aes,
        frame,
      )
      .then(
        (plain) => new Uint8Array(plain),
        () => undefined,
      )
  /** The next frame's bytes as they are in the file (checked by the loop, in order). */
  const readFrame = async (): Promise<RawFrame> => {
    const at = reader.offset
    const prefix = await reader.read(4)
    if (prefix.length < 4) return { at, prefix: prefix.length }
    const length = new DataView(prefix.buffer, prefix.byteOffset).getUint32(0)
    if (length < TAG_BYTES || length > fields.frameBytes + TAG_BYTES)
      return { at, prefix: 4, length }
    const sealed = (await reader.read(length)) as Uint8Array<ArrayBuffer>
    return { at, prefix: 4, length, sealed }
  }
  try {
    // Frame i+1 is read, and its decryption started, while frame i is handed out.
    let next: Promise<RawFrame> | undefined = readFrame()
    let opening: Promise<Uint8Array | undefined> | undefined
    for (let index = 0; ; index++) {
      const frame: RawFrame = await next!
      const { at, sealed } = frame
      if (frame.prefix < 4) throw truncated(at)
      if (!sealed) {
        throw new BackupError('damaged', `The backup is damaged at byte ${at} (bad frame length).`)
      }
      if (sealed.length < frame.length!) throw truncated(at)
      const middle = await (opening ?? open(sealed, index, false))
      opening = undefined
      if (middle) {
        const ahead = readFrame()
        next = ahead
        opening = ahead.then((f) => (f.sealed ? open(f.sealed, index + 1, false) : undefined))
        // Awaited in turn; not an unhandled failure if the caller stops early.
        opening.catch(() => {})
        yield middle
        continue
      }
      const last = await open(sealed, index, true)
      if (!last) {
        throw new BackupError(
          'damaged',
          `The backup is damaged at byte ${at}: frame ${index} fails its integrity check (changed, missing or out of order).`,
        )
      }
      if (!(await reader.atEnd())) {
        throw new BackupError(
          'damaged',
          `The backup has unexpected data after its end (byte ${reader.offset}).`,
        )
      }
      yield last
      return
    }
  } finally {
    await reader.cancel()
  }
}

/** A frame as read: `prefix` bytes of its length, then its sealed bytes if the length is sane. */
interface RawFrame {
  at: number
  prefix: number
  length?: number
  sealed?: Uint8Array<ArrayBuffer>
}

function truncated(at: number): BackupError {
  return new BackupError(
    'truncated',
    `The backup is incomplete: it ends at byte ${at} before its last part.`,
  )
}
