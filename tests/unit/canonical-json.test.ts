import { expect, it } from 'vitest'
import { canonicalJson } from '../../src/lib/canonical-json.ts'

/** The definition written out the slow way: what every device's signatures depend on. */
function reference(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value)
  }
  if (typeof value === 'number') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`
}

/** A small deterministic generator, so a failure names a reproducible case. */
function randomValue(seed: { n: number }, depth: number): unknown {
  const next = () => (seed.n = (seed.n * 1103515245 + 12345) % 2147483648) / 2147483648
  const keys = ['a', 'B', 'é', 'z', '10', '2', '', 'a b', '\u{1F600}', 'ä', '"q"', 'k\n']
  const pick = next()
  if (depth > 3 || pick < 0.3) {
    const kind = Math.floor(next() * 5)
    if (kind === 0) return null
    if (kind === 1) return next() < 0.5
    if (kind === 2) return Math.round((next() - 0.5) * 1e6) / 100
    if (kind === 3) return keys[Math.floor(next() * keys.length)]! + '\u2028\\'
    return undefined
  }
  if (pick < 0.6) {
    return Array.from({ length: Math.floor(next() * 4) }, () => {
      const item = randomValue(seed, depth + 1)
      return item === undefined ? 0 : item
    })
  }
  const object: Record<string, unknown> = {}
  for (let i = Math.floor(next() * 6); i > 0; i--) {
    object[keys[Math.floor(next() * keys.length)]!] = randomValue(seed, depth + 1)
  }
  return object
}

it('encodes keys in code-unit order, with no whitespace and no undefined properties', () => {
  expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, A: { z: 0, '': -1.5 } })).toBe(
    '{"A":{"":-1.5,"z":0},"a":[true,null,"x"],"b":1}',
  )
  expect(canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2, é: 3 })).toBe('{"é":3,"😀":1,"\uFFFF":2}')
  expect(canonicalJson([])).toBe('[]')
  expect(canonicalJson({})).toBe('{}')
  expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/)
  expect(() => canonicalJson([undefined])).toThrow(/undefined/)
})

it('gives the same text as the definition for any plain value', () => {
  for (let n = 1; n <= 2000; n++) {
    const value = randomValue({ n }, 0)
    if (value === undefined) continue
    expect(canonicalJson(value), `seed ${n}`).toBe(reference(value))
  }
})
