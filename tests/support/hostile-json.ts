/**
 * Seeded generators of hostile JSON for the decoder fuzz tests (tests/unit/*-decoders-fuzz):
 * odd values, wrong types, deep nesting and prototype keys, alone or put into valid messages.
 */
import { type Gen, TEXT_POOLS } from './hostile-input.ts'

/** JSON texts of values a decoder may not expect. */
export const ODD_JSON: readonly string[] = [
  'null',
  'true',
  'false',
  '0',
  '-0',
  '1',
  '-1',
  '2',
  '1.5',
  '1e308',
  '-1e308',
  '1e400',
  '5e-324',
  '9007199254740993',
  '"NaN"',
  '"Infinity"',
  '""',
  '"__proto__"',
  '"constructor"',
  '"toString"',
  JSON.stringify('x'.repeat(5000)),
  JSON.stringify('x'.repeat(70_000)),
  '"\\u0000\\ud800"',
  '[]',
  '{}',
  '[null]',
  '{"toString":1}',
  '{"toString":1,"valueOf":1}',
  '[{"toString":1}]',
  '{"toJSON":1}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":null}',
  '{"length":1e9}',
]

/** How deep oddJson nests its arrays and objects. */
const DEPTHS = [64, 1000, 4000, 7000, 10_000]

/** One odd JSON text, sometimes an array or object nested thousands deep. */
export function oddJson(g: Gen): string {
  if (g.chance(0.15)) {
    const depth = g.pick(DEPTHS)
    return g.chance(0.5)
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
  }
  return g.pick(ODD_JSON)
}

/** Keys that name something on every object. */
const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'toJSON',
  'length',
]

/** A placeholder string, replaced by odd JSON wherever it appears in a text. */
export const MARK = '\u0007odd\u0007'
/** MARK as it appears in a JSON text. */
export const MARK_JSON = JSON.stringify(MARK)

type Container = Record<string, unknown>

/** Every object and array in a parsed JSON value, itself included. */
function containers(root: unknown): Container[] {
  const found: Container[] = []
  const stack = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value !== 'object' || value === null) continue
    found.push(value as Container)
    stack.push(...Object.values(value))
  }
  return found
}

/**
 * A hostile JSON text made from a valid message: odd values in its fields, prototype keys,
 * fields dropped, duplicated with another type, the text cut or garbled, or no message at all.
 */
export function hostileJson(g: Gen, sample: unknown): string {
  const text = JSON.stringify(sample)
  const kind = g.int(8)
  if (kind === 0) return oddJson(g)
  if (kind === 1) return text.slice(0, g.int(text.length))
  if (kind === 2) {
    const at = g.int(text.length)
    const pool = TEXT_POOLS[1]!
    return text.slice(0, at) + pool[g.int(pool.length)]! + text.slice(at + 1)
  }
  if (kind === 3 && text.startsWith('{') && text.endsWith('}')) {
    // A key again at the end (the last one wins in JSON.parse).
    const keys = Object.keys(sample as Container)
    const key = g.chance(0.5) && keys.length > 0 ? g.pick(keys) : g.pick(SPECIAL_KEYS)
    const comma = text === '{}' ? '' : ','
    return `${text.slice(0, -1)}${comma}${JSON.stringify(key)}:${oddJson(g)}}`
  }
  const clone = JSON.parse(text) as unknown
  const targets = containers(clone)
  if (targets.length === 0) return oddJson(g)
  const edits = 1 + g.int(3)
  for (let edit = 0; edit < edits; edit++) {
    const target = g.pick(targets)
    const keys = Object.keys(target)
    if (kind === 4 || kind === 5 || kind === 3) {
      if (keys.length > 0) target[g.pick(keys)] = MARK
    } else if (kind === 6) {
      if (Array.isArray(target)) continue
      Object.defineProperty(target, g.pick(SPECIAL_KEYS), {
        value: MARK,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else if (keys.length > 0) {
      delete target[g.pick(keys)]
    }
  }
  return JSON.stringify(clone)
    .split(MARK_JSON)
    .reduce((out, part) => `${out}${oddJson(g)}${part}`)
}

/** A value as a JSON-reading caller would hand it on: parsed, or the text when it is no JSON. */
export function hostileValue(g: Gen, sample: unknown): unknown {
  const text = hostileJson(g, sample)
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** Values a caller holding `unknown` might pass that JSON cannot spell. */
export const ODD_VALUES: readonly unknown[] = [
  undefined,
  Number.NaN,
  Number.NEGATIVE_INFINITY,
  -0,
  '',
  new Uint8Array(4),
]
