/**
 * The contract harness of the decoder fuzz tests (tests/unit/*-decoders-fuzz.test.ts). They fuzz
 * every decoder of what arrives from another device (link frames, mesh envelopes and gossip,
 * direct messages, file transfer, workplace joins, pushes and resyncs, sync reports, contact
 * notes, invite links, signaling, pairing codes) and of what is read back from a backup or from
 * storage, with hostile input: random bytes and text, mutations of valid encodings, and JSON (or
 * CBOR) with odd values, wrong types, deep nesting and prototype keys.
 *
 * Each decoder must keep its own contract: bad input gives its documented error value (or, for
 * the decoders whose contract is to throw, their documented error), never another exception
 * (TypeError, RangeError, a stack overflow), never a hang, never a result whose objects have a
 * foreign prototype, and Object.prototype is never touched. Inputs come from a fixed seed, so
 * a failure names a case that runs again the same way.
 */
import { expect } from 'vitest'
import { Gen, mutateBytes, mutateText, randomText, utf8 } from './hostile-input.ts'
import { hostileJson, hostileValue, ODD_VALUES } from './hostile-json.ts'

/** Prototypes a decoded value's objects may have: none an input could have put there. */
const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, Array.prototype, Map.prototype])

/** The object (or array) in `value` whose prototype is foreign, if any. */
export function foreignPrototype(value: unknown): string | undefined {
  const seen = new Set<unknown>()
  const stack: unknown[] = [value]
  while (stack.length > 0 && seen.size < 50_000) {
    const item = stack.pop()
    if (typeof item !== 'object' || item === null || seen.has(item)) continue
    seen.add(item)
    if (ArrayBuffer.isView(item)) continue
    const proto = Object.getPrototypeOf(item) as unknown
    if (!PLAIN_PROTOTYPES.has(proto)) {
      return `an object with prototype ${Object.prototype.toString.call(proto)}`
    }
    if (item instanceof Map) stack.push(...item.keys(), ...item.values())
    else stack.push(...Object.values(item))
  }
  return undefined
}

/** Object.prototype as it was before any case ran, to see what a case changed. */
const OBJECT_PROTOTYPE = new Map(
  Object.getOwnPropertyNames(Object.prototype).map((name) => [
    name,
    Object.getOwnPropertyDescriptor(Object.prototype, name),
  ]),
)
const ARRAY_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Array.prototype).join()

/** What changed on the shared prototypes, if anything. */
export function pollution(): string | undefined {
  if (({} as Record<string, unknown>).polluted !== undefined) return '({}).polluted is set'
  if (([] as unknown as Record<string, unknown>).polluted !== undefined) {
    return '[].polluted is set'
  }
  const names = Object.getOwnPropertyNames(Object.prototype)
  if (names.length !== OBJECT_PROTOTYPE.size) return 'Object.prototype gained a property'
  for (const name of names) {
    const was = OBJECT_PROTOTYPE.get(name)
    const now = Object.getOwnPropertyDescriptor(Object.prototype, name)
    if (!was || !now || was.value !== now.value || was.get !== now.get || was.set !== now.set) {
      return `Object.prototype.${name} changed`
    }
  }
  if (Object.getOwnPropertyNames(Array.prototype).join() !== ARRAY_PROTOTYPE_NAMES) {
    return 'Array.prototype changed'
  }
  return undefined
}

/** A short, printable form of an input, to name it in a failure. */
export function preview(input: unknown): string {
  if (input instanceof Error) return `${input.constructor.name}: ${input.message.slice(0, 80)}`
  if (input instanceof Uint8Array) {
    const hex = Array.from(input.subarray(0, 48), (b) => b.toString(16).padStart(2, '0')).join('')
    return `${input.length} bytes ${hex}${input.length > 48 ? '…' : ''}`
  }
  if (typeof input === 'string')
    return `${input.length} chars ${JSON.stringify(input.slice(0, 80))}`
  try {
    return `${typeof input} ${String(JSON.stringify(input)).slice(0, 80)}`
  } catch {
    return `${typeof input} (unprintable)`
  }
}

/** A short form of a thrown value, to name it in a failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 120)}`
  return `non-Error ${preview(error)}`
}

/** An Error of exactly this class (not a TypeError or RangeError passed on as a value). */
export function isPlainError(value: unknown): value is Error {
  return value instanceof Error && value.constructor === Error && value.message.length > 0
}

/** A non-null object that is not an array. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A case taking longer than this counts as a hang (generous: a decode takes microseconds). */
export const SLOW_MS = 1000

/** Hostile cases each decoder gets (besides its valid and made inputs). */
export const CASES = 300

/** A decoder's contract: what its success and its error look like. */
export interface Contract<I, R> {
  name: string
  decode: (input: I) => R | Promise<R>
  /** Whether a returned value is the decoder's error value. */
  rejected: (result: R) => boolean
  /** Whether a returned value is a well-formed success. */
  accepted: (result: R) => boolean
  /** For a decoder whose contract is to throw: whether this is the error it documents. */
  thrown?: (error: unknown) => boolean
}

/** Runs cases against one decoder and keeps every broken contract, with the case it broke on. */
export class Fuzz<I, R> {
  readonly failures: string[] = []
  accepted = 0
  rejected = 0
  cases = 0

  constructor(readonly contract: Contract<I, R>) {}

  /** Decodes one input and notes the contract it broke, if any. */
  async run(input: I, label: string): Promise<void> {
    const { contract } = this
    this.cases++
    const started = performance.now()
    let broken: string | undefined
    try {
      const result = await contract.decode(input)
      if (contract.rejected(result)) this.rejected++
      else if (contract.accepted(result)) {
        this.accepted++
        broken = foreignPrototype(result)
      } else broken = `returned ${preview(result)}`
    } catch (error) {
      if (contract.thrown?.(error)) this.rejected++
      else broken = `threw ${describeError(error)}`
    }
    const elapsed = performance.now() - started
    if (elapsed > SLOW_MS) broken ??= `took ${Math.round(elapsed)} ms`
    broken ??= pollution()
    if (broken) {
      this.failures.push(`${contract.name} ${label}: ${broken} — input ${preview(input)}`)
    }
  }
}

/** Sometimes the same bytes as a view at an offset into a larger buffer, as a channel gives. */
function placed(g: Gen, bytes: Uint8Array): Uint8Array {
  if (!g.chance(0.25)) return bytes
  const offset = 1 + g.int(15)
  const buffer = g.bytes(offset + bytes.length + g.int(8))
  buffer.set(bytes, offset)
  return buffer.subarray(offset, offset + bytes.length)
}

/** What fuzzBytes makes a byte format's inputs from. */
export interface ByteSources {
  /** Valid encodings, each run first and then mutated. */
  valid: readonly Uint8Array[]
  /** For a JSON format: valid messages as values, to make hostile JSON of. */
  json?: readonly unknown[]
  /** How a JSON text becomes this format's bytes (UTF-8 unless said); undefined: cannot. */
  fromJson?: (text: string) => Uint8Array | undefined
  /** Inputs made for this format. */
  extra?: readonly Uint8Array[]
}

/** `count` byte inputs: valid ones, made ones, random bytes, hostile JSON, mutations. */
export async function fuzzBytes<R>(
  fuzz: Fuzz<Uint8Array, R>,
  seed: number,
  count: number,
  sources: ByteSources,
): Promise<void> {
  const g = new Gen(seed)
  const { valid, json, extra = [] } = sources
  const fromJson = sources.fromJson ?? utf8
  for (const [i, bytes] of valid.entries()) await fuzz.run(bytes, `seed ${seed} valid #${i}`)
  for (const [i, bytes] of extra.entries()) await fuzz.run(bytes, `seed ${seed} made #${i}`)
  for (let i = 0; i < count; i++) {
    const label = `seed ${seed} case #${i}`
    const roll = g.int(10)
    if (roll < 2) {
      const bytes = g.chance(0.5) ? g.bytes(g.length()) : utf8(randomText(g, g.length()))
      await fuzz.run(placed(g, bytes), `${label} (random)`)
      continue
    }
    if (json && roll < 6) {
      const bytes = fromJson(hostileJson(g, g.pick(json)))
      if (bytes) {
        await fuzz.run(placed(g, bytes), `${label} (hostile JSON)`)
        continue
      }
    }
    await fuzz.run(placed(g, mutateBytes(g, g.pick(valid))), `${label} (mutated)`)
  }
}

/** `count` inputs for a decoder of a parsed value: valid ones, hostile values, odd values. */
export async function fuzzValues<R>(
  fuzz: Fuzz<unknown, R>,
  seed: number,
  count: number,
  valid: readonly unknown[],
): Promise<void> {
  const g = new Gen(seed)
  for (const [i, value] of valid.entries()) await fuzz.run(value, `seed ${seed} valid #${i}`)
  for (const [i, value] of ODD_VALUES.entries()) await fuzz.run(value, `seed ${seed} odd #${i}`)
  for (let i = 0; i < count; i++) {
    const label = `seed ${seed} case #${i}`
    if (g.chance(0.1)) await fuzz.run(randomText(g, g.length()), `${label} (random text)`)
    else await fuzz.run(hostileValue(g, g.pick(valid)), `${label} (hostile JSON)`)
  }
}

/** `count` text inputs: valid ones, random text, mutations, and texts made by `make`. */
export async function fuzzTexts<R>(
  fuzz: Fuzz<string, R>,
  seed: number,
  count: number,
  valid: readonly string[],
  make?: (g: Gen) => string,
): Promise<void> {
  const g = new Gen(seed)
  for (const [i, text] of valid.entries()) await fuzz.run(text, `seed ${seed} valid #${i}`)
  for (let i = 0; i < count; i++) {
    const label = `seed ${seed} case #${i}`
    const roll = g.int(10)
    if (roll < 2) await fuzz.run(randomText(g, g.length()), `${label} (random)`)
    else if (make && roll < 6) await fuzz.run(make(g), `${label} (made)`)
    else await fuzz.run(mutateText(g, g.pick(valid)), `${label} (mutated)`)
  }
}

/** Every contract kept, and the valid inputs (run first) all decoded. */
export function expectKept(
  fuzz: { failures: string[]; accepted: number; rejected: number; cases: number },
  valid: number,
  cases: number,
): void {
  expect(fuzz.failures).toEqual([])
  expect(fuzz.accepted).toBeGreaterThanOrEqual(valid)
  expect(fuzz.rejected).toBeGreaterThan(cases / 4)
  expect(fuzz.cases).toBeGreaterThanOrEqual(cases)
}
