/**
 * Seeded generators of hostile input for the decoder fuzz tests (tests/unit/*-decoders-fuzz):
 * random text and bytes, small mutations of valid encodings, and hostile CBOR. Hostile JSON is
 * in hostile-json.ts; the contract the decoders are held to is in decoder-contract.ts.
 */
import { cbor } from '@automerge/automerge-repo'
import { seededRandom } from './seeded-random.ts'

/** A seeded source of choices; the same seed gives the same cases. */
export class Gen {
  readonly #next: () => number

  constructor(readonly seed: number) {
    this.#next = seededRandom(seed)
  }

  /** An integer in [0, below). */
  int(below: number): number {
    return Math.floor(this.#next() * below)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#next() < p
  }

  /** One item of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!
  }

  /** A length: empty, one, small, or a few KB. */
  length(): number {
    const kind = this.int(4)
    return kind === 0 ? 0 : kind === 1 ? 1 : kind === 2 ? 2 + this.int(63) : 256 + this.int(3841)
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(256))
  }
}

const encoder = new TextEncoder()

/** The UTF-8 bytes of a text. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

/** Characters random text is drawn from: each case takes one pool, so some texts look close. */
export const TEXT_POOLS = [
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  '{}[]":,.-+0123456789eEtruefalsnl \\/u',
  'abcdefghijklmnopqrstuvwxyz234567.=#&%?:/ ',
  '\u0000\u0001\u001f\u007f\u0085\u00a0\u2028\u2029\ufeff\t\r\n ',
]

/** `length` characters from one pool, or (sometimes) any UTF-16 code units. */
export function randomText(g: Gen, length: number): string {
  if (g.chance(0.2)) {
    // Any UTF-16 code units, lone surrogates included.
    return String.fromCharCode(
      ...Array.from({ length: Math.min(length, 4096) }, () => g.int(65536)),
    )
  }
  const pool = g.pick(TEXT_POOLS)
  let out = ''
  for (let i = 0; i < length; i++) out += pool[g.int(pool.length)]!
  return out
}

/** Byte values at the edges of signed, unsigned and UTF-8 ranges. */
const BOUNDARY_BYTES = [0, 1, 0x7f, 0x80, 0xfe, 0xff]

/** A valid encoding changed a little: bits flipped, bytes set, cut, extended, spliced. */
export function mutateBytes(g: Gen, valid: Uint8Array): Uint8Array {
  let out = Array.from(valid)
  const rounds = g.chance(0.2) ? 2 + g.int(3) : 1
  for (let round = 0; round < rounds; round++) {
    const at = g.int(out.length + 1)
    switch (g.int(7)) {
      case 0:
        if (out.length > 0) {
          const i = Math.min(at, out.length - 1)
          out[i] = out[i]! ^ (1 << g.int(8))
        }
        break
      case 1:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = g.pick(BOUNDARY_BYTES)
        break
      case 2:
        out = out.slice(0, at)
        break
      case 3:
        out.push(...g.bytes(1 + g.int(g.chance(0.1) ? 4096 : 64)))
        break
      case 4:
        out.splice(at, 1 + g.int(8))
        break
      case 5:
        out.splice(at, 0, ...g.bytes(1 + g.int(16)))
        break
      default:
        // A stretch repeated, as a length field that claims more than is there.
        out.splice(at, 0, ...out.slice(at, at + 1 + g.int(32)))
    }
  }
  return Uint8Array.from(out)
}

/** Characters that mean something in links, encodings or JSON, or are no valid UTF-16. */
const ODD_CHARS = ['\u0000', '\ud800', '\udfff', '#', '=', '%', ' ', '.', '\n', 'é', '😀', '"']

/** A valid text changed a little. */
export function mutateText(g: Gen, valid: string): string {
  const at = g.int(valid.length + 1)
  switch (g.int(6)) {
    case 0: {
      const pool = g.pick(TEXT_POOLS)
      return valid.slice(0, at) + pool[g.int(pool.length)]! + valid.slice(at + 1)
    }
    case 1:
      return valid.slice(0, at)
    case 2:
      return valid + randomText(g, 1 + g.int(64))
    case 3:
      return valid.slice(0, at) + valid.slice(at + 1 + g.int(16))
    case 4:
      return valid.slice(0, at) + valid.slice(at, at + 1 + g.int(64)) + valid.slice(at)
    default:
      return valid.slice(0, at) + g.pick(ODD_CHARS) + valid.slice(at)
  }
}

/** Bytes of a deeply nested CBOR array (cbor.encode itself would recurse that deep). */
export function deepCbor(depth: number): Uint8Array {
  return Uint8Array.from([...new Array<number>(depth).fill(0x81), 0x01])
}

/** A CBOR map `{v: <raw item>}`, for values cbor.encode cannot make. */
export function cborV(item: readonly number[]): Uint8Array {
  return Uint8Array.from([0xa1, ...cbor.encode('v'), ...item])
}

/** The CBOR JSON can be turned into; undefined if it is no JSON or too deep to encode. */
export function cborOfJson(text: string): Uint8Array | undefined {
  try {
    return cbor.encode(JSON.parse(text))
  } catch {
    return undefined
  }
}

/** Hostile CBOR: deep nesting, constructor tags, prototype keys, huge or unended lengths. */
export const CBOR_EXTRAS: readonly Uint8Array[] = [
  deepCbor(10_000),
  deepCbor(100_000),
  // Tag 27 ("generic object"): cbor-x calls a named constructor with the arguments given.
  cborV([0xd8, 0x1b, ...cbor.encode(['constructor', 1])]),
  cborV([0xd8, 0x1b, ...cbor.encode(['RegExp', '(', ''])]),
  cborV([0xd8, 0x1b, ...cbor.encode(['toString', 1, 2])]),
  cborV([0xd8, 0x1b, ...cbor.encode(['Error', { toString: 1 }, 0])]),
  cbor.encode({ v: { toString: 1 } }),
  cbor.encode({ v: [{ toString: 1 }] }),
  cbor.encode(JSON.parse('{"__proto__":{"polluted":true},"v":1}')),
  cbor.encode(new Map<unknown, unknown>([[1, 1]])),
  // An array and a byte string that claim 4 GiB.
  Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0x01),
  Uint8Array.of(0x5a, 0xff, 0xff, 0xff, 0xff, 0x01),
  // Indefinite lengths, never ended.
  Uint8Array.of(0x9f, 0x01, 0x01),
  Uint8Array.of(0xbf, 0x61, 0x76, 0x01),
]
