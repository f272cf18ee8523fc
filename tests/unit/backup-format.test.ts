import { describe, expect, it } from 'vitest'
import { BackupError } from '../../src/backup/backup-error.ts'
import { HEADER_BYTES } from '../../src/backup/backup-format.ts'
import { MemorySink } from '../../src/backup/byte-sink.ts'
import { decryptFrames, openBackup } from '../../src/backup/frame-reader.ts'
import { FrameWriter } from '../../src/backup/frame-writer.ts'
import {
  decodeValue,
  encodeRecord,
  encodeValue,
  readRecords,
  RecordType,
} from '../../src/backup/record-codec.ts'

const FAST_KDF = { log2N: 10, r: 8, p: 1 }
const PASS = 'correct horse battery staple'

async function seal(plain: Uint8Array, frameBytes = 64, passphrase = PASS): Promise<Uint8Array> {
  const sink = new MemorySink()
  const writer = await FrameWriter.open({ passphrase, sink, kdf: FAST_KDF, frameBytes })
  // Written in odd-sized pieces, so frames do not line up with writes.
  for (let at = 0; at < plain.length; at += 37) await writer.write(plain.subarray(at, at + 37))
  await writer.finish()
  return sink.bytes()
}

async function* pieces(bytes: Uint8Array, size = 50) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size)
}

async function unseal(file: Uint8Array, passphrase = PASS): Promise<Uint8Array> {
  const opened = await openBackup(pieces(file), passphrase)
  const out: number[] = []
  for await (const piece of decryptFrames(pieces(file), opened)) out.push(...piece)
  return new Uint8Array(out)
}

async function failure(promise: Promise<unknown>): Promise<BackupError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(BackupError)
  return error as BackupError
}

function frameStarts(file: Uint8Array): number[] {
  const starts: number[] = []
  const view = new DataView(file.buffer, file.byteOffset)
  for (let at = HEADER_BYTES; at < file.length; at += 4 + view.getUint32(at)) starts.push(at)
  return starts
}

const plain = new Uint8Array(1000).map((_, i) => (i * 7) % 251)

describe('backup frames', () => {
  it('round-trips across many frames, and the file does not show the plaintext', async () => {
    const file = await seal(plain)
    expect(frameStarts(file).length).toBe(Math.ceil(plain.length / 64))
    expect(await unseal(file)).toEqual(plain)
    const text = new TextEncoder().encode('secret chat line')
    const sealed = await seal(text)
    expect(Buffer.from(sealed).includes(Buffer.from(text))).toBe(false)
  })

  it('round-trips an empty stream and one exactly filling its frames', async () => {
    expect(await unseal(await seal(new Uint8Array(0)))).toEqual(new Uint8Array(0))
    expect(await unseal(await seal(plain.subarray(0, 128)))).toEqual(plain.subarray(0, 128))
  })

  it('refuses a wrong passphrase', async () => {
    const file = await seal(plain)
    expect((await failure(unseal(file, 'wrong'))).code).toBe('wrong-passphrase')
  })

  it('refuses a file that is not a backup', async () => {
    const error = await failure(unseal(new TextEncoder().encode('hello, this is not it at all')))
    expect(error.code).toBe('not-a-backup')
  })

  it('refuses a truncated file, wherever it is cut', async () => {
    const file = await seal(plain)
    const starts = frameStarts(file)
    // At a frame boundary (the final frame missing), inside a frame, inside the header.
    for (const cut of [starts.at(-1)!, starts[3]! + 10, starts[3]! + 2, 40]) {
      const error = await failure(unseal(file.slice(0, cut)))
      expect(error.code, `cut at ${cut}`).toBe('truncated')
    }
  })

  it('refuses a file with any single flipped byte', async () => {
    const file = await seal(plain)
    for (const at of [
      20,
      30,
      HEADER_BYTES - 1,
      HEADER_BYTES + 2,
      HEADER_BYTES + 40,
      file.length - 1,
    ]) {
      const damaged = file.slice()
      damaged[at]! ^= 0x01
      const error = await failure(unseal(damaged))
      expect(['damaged', 'wrong-passphrase', 'truncated'], `flip at ${at}`).toContain(error.code)
    }
  })

  it('refuses reordered, repeated and appended frames', async () => {
    const file = await seal(plain)
    const starts = frameStarts(file)
    const frame = (i: number) => file.slice(starts[i], starts[i + 1] ?? file.length)
    const header = file.slice(0, HEADER_BYTES)
    const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]))
    const swapped = join(header, frame(1), frame(0), ...starts.slice(2).map((_, i) => frame(i + 2)))
    expect((await failure(unseal(swapped))).code).toBe('damaged')
    const repeated = join(
      header,
      frame(0),
      frame(0),
      ...starts.slice(1).map((_, i) => frame(i + 1)),
    )
    expect((await failure(unseal(repeated))).code).toBe('damaged')
    const appended = join(file, frame(0))
    expect((await failure(unseal(appended))).code).toBe('damaged')
  })

  it('refuses frames from another backup with the same passphrase', async () => {
    const a = await seal(plain)
    const b = await seal(plain)
    const mixed = new Uint8Array([...a.slice(0, frameStarts(a)[2]), ...b.slice(frameStarts(b)[2])])
    expect((await failure(unseal(mixed))).code).toBe('damaged')
  })
})

describe('backup records', () => {
  it('round-trips values with bytes inside, and splits records across pieces', async () => {
    const value = { key: ['doc', 'snapshot', 'abc'], binary: new Uint8Array([1, 2, 3]), n: 5 }
    const stream = new Uint8Array([
      ...encodeRecord(RecordType.STORE_ITEM, encodeValue(value)),
      ...encodeRecord(RecordType.END, new Uint8Array([7])),
    ])
    const records = []
    for await (const record of readRecords(pieces(stream, 3))) records.push(record)
    expect(records.map((r) => r.type)).toEqual([RecordType.STORE_ITEM, RecordType.END])
    expect(decodeValue(records[0]!.payload)).toEqual(value)
  })

  it('refuses values it cannot keep exactly, and malformed encodings', () => {
    expect(() => encodeValue({ when: new Date() })).toThrow(BackupError)
    expect(() => encodeValue({ n: Number.NaN })).toThrow(BackupError)
    const good = encodeValue({ b: new Uint8Array([1]) })
    expect(() => decodeValue(good.slice(0, good.length - 1))).toThrow(BackupError)
  })

  it('refuses a stream that ends inside a record', async () => {
    const record = encodeRecord(RecordType.END, new Uint8Array(10))
    const read = async () => {
      for await (const _ of readRecords(pieces(record.slice(0, 8)))) void _
    }
    expect((await failure(read())).code).toBe('invalid-content')
  })
})
