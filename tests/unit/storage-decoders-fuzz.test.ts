/**
 * Fuzzes the decoders of what is read back from a backup (header, manifest, end, records) or
 * from storage (saved chat windows) with hostile input; what each must keep (and how) is
 * described in tests/support/decoder-contract.ts.
 */
import { describe, expect, it } from 'vitest'
import { BackupError } from '../../src/backup/backup-error.ts'
import {
  DEFAULT_FRAME_BYTES,
  DEFAULT_KDF,
  encodeHeaderBody,
  MAC_BYTES,
  parseHeader,
} from '../../src/backup/backup-format.ts'
import { parseEnd, parseManifest } from '../../src/backup/backup-manifest.ts'
import { decodeJson, decodeValue, encodeJson, encodeValue } from '../../src/backup/record-codec.ts'
import { parseSavedWindow, type SavedChatWindow } from '../../src/crdt/chat/saved-window.ts'
import { CASES, expectKept, Fuzz, fuzzBytes, fuzzValues } from '../support/decoder-contract.ts'
import { filled, jsonOf, PEER, PEER_2 } from '../support/decoder-fixtures.ts'
import { utf8 } from '../support/hostile-input.ts'

describe('backup and storage decoders under hostile input', () => {
  it('backup headers (parseHeader)', async () => {
    const salt = filled(16, 5)
    const header = Uint8Array.from([
      ...encodeHeaderBody({ kdf: DEFAULT_KDF, frameBytes: DEFAULT_FRAME_BYTES, salt }),
      ...filled(MAC_BYTES, 6),
    ])
    expect(parseHeader(header)).toEqual({
      kdf: DEFAULT_KDF,
      frameBytes: DEFAULT_FRAME_BYTES,
      salt,
      mac: filled(MAC_BYTES, 6),
    })
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof parseHeader>>({
      name: 'parseHeader',
      decode: parseHeader,
      rejected: () => false,
      accepted: (r) => r.salt.length === 16 && r.mac.length === MAC_BYTES,
      thrown: (error) =>
        error instanceof BackupError &&
        ['not-a-backup', 'unsupported-version', 'damaged'].includes(error.code),
    })
    await fuzzBytes(fuzz, 0x26, CASES, { valid: [header] })
    expectKept(fuzz, 1, CASES)
  })

  it('backup manifests and ends (parseManifest, parseEnd)', async () => {
    const manifest = {
      app: 'peerplace',
      createdAt: 1_700_000_000_000,
      peerId: PEER,
      includesFiles: true,
      stores: [{ db: 'peerplace', store: 'identity', count: 1 }],
      workplaces: ['Dock'],
    }
    const end = { items: 12, settings: 3 }
    expect(parseManifest(manifest)).toEqual(manifest)
    expect(parseEnd(end)).toEqual(end)
    const invalidContent = (error: unknown) =>
      error instanceof BackupError && error.code === 'invalid-content'
    const manifestFuzz = new Fuzz<unknown, ReturnType<typeof parseManifest>>({
      name: 'parseManifest',
      decode: parseManifest,
      rejected: () => false,
      accepted: (r) => Array.isArray(r.stores),
      thrown: invalidContent,
    })
    await fuzzValues(manifestFuzz, 0x27, CASES, [manifest])
    expectKept(manifestFuzz, 1, CASES)
    const endFuzz = new Fuzz<unknown, ReturnType<typeof parseEnd>>({
      name: 'parseEnd',
      decode: parseEnd,
      rejected: () => false,
      accepted: (r) => Number.isSafeInteger(r.items) && Number.isSafeInteger(r.settings),
      thrown: invalidContent,
    })
    await fuzzValues(endFuzz, 0x28, CASES, [end])
    expectKept(endFuzz, 1, CASES)
  })

  it('backup records (decodeValue, decodeJson)', async () => {
    const values: unknown[] = [
      { a: 1, b: [Uint8Array.of(1, 2, 3), 'x'], c: { d: Uint8Array.of(4) } },
      'text',
      null,
    ]
    const valid = values.map((value) => encodeValue(value))
    for (const [i, value] of values.entries()) expect(decodeValue(valid[i]!)).toEqual(value)
    const invalidContent = (error: unknown) =>
      error instanceof BackupError && error.code === 'invalid-content'
    const valueFuzz = new Fuzz<Uint8Array, unknown>({
      name: 'decodeValue',
      decode: decodeValue,
      rejected: () => false,
      accepted: () => true,
      thrown: invalidContent,
    })
    // A JSON text in the value layout, with one byte array it may (or may not) refer to.
    const valueOf = (text: string): Uint8Array => {
      const json = utf8(text)
      const out = new Uint8Array(4 + json.length + 4 + 4 + 2)
      const view = new DataView(out.buffer)
      view.setUint32(0, json.length)
      out.set(json, 4)
      view.setUint32(4 + json.length, 1)
      view.setUint32(8 + json.length, 2)
      return out
    }
    const tagged = [{ '\u0000bytes': 0 }, { a: [{ '\u0000bytes': 0, b: 1 }] }]
    await fuzzBytes(valueFuzz, 0x29, CASES, {
      valid,
      json: [...tagged, { a: 1, b: 'x' }],
      fromJson: valueOf,
    })
    expectKept(valueFuzz, valid.length, CASES)

    const jsonValid = [encodeJson({ items: 12, settings: 3 }), encodeJson(['a', 1])]
    expect(decodeJson(jsonValid[1]!)).toEqual(['a', 1])
    const jsonFuzz = new Fuzz<Uint8Array, unknown>({
      name: 'decodeJson',
      decode: decodeJson,
      rejected: () => false,
      accepted: () => true,
      thrown: invalidContent,
    })
    await fuzzBytes(jsonFuzz, 0x2a, CASES, { valid: jsonValid, json: jsonValid.map(jsonOf) })
    expectKept(jsonFuzz, jsonValid.length, CASES)
  })

  it('saved chat windows (parseSavedWindow)', async () => {
    const window: SavedChatWindow = {
      self: PEER,
      messages: [
        {
          id: 'message1',
          author: PEER_2,
          hlc: '1700000000000.0001',
          at: 1_700_000_000_000,
          text: 'hello',
          edited: false,
          deleted: false,
          replyTo: 'message0',
          reactions: [{ emoji: '👍', peers: [PEER] }],
          shard: '2026-w48',
          verified: true,
        },
      ],
      receipts: {
        message1: { recipients: [PEER], delivered: [PEER], read: [], missing: [], state: 'sent' },
      },
      names: { [PEER]: 'Ann', [PEER_2]: 'Bob' },
      unread: 1,
      firstUnread: 'message1',
      hasOlder: false,
    }
    expect(parseSavedWindow(window)).toEqual(window)
    const fuzz = new Fuzz<unknown, ReturnType<typeof parseSavedWindow>>({
      name: 'parseSavedWindow',
      decode: parseSavedWindow,
      rejected: (r) => r === undefined,
      accepted: (r) => r !== undefined && Array.isArray(r.messages),
    })
    await fuzzValues(fuzz, 0x2b, CASES, [window])
    expectKept(fuzz, 1, CASES)
  })
})
