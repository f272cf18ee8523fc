import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { addShortTextPath } from '../../scripts/automerge-short-text.ts'
import { automergeGlueCopies, type Am } from '../support/automerge-glue-copy.ts'

const copies = automergeGlueCopies()
afterAll(() => copies.dispose())
afterEach(() => vi.restoreAllMocks())

/** Keys and values around the fast path's edges: empty, 24 and 25 bytes, DEL, non-ASCII. */
const TEXTS = [
  '',
  'a',
  'label',
  'x'.repeat(24),
  'y'.repeat(25),
  'del\x7f',
  'Zoë',
  '€uro',
  '日本',
  'ok',
]

function build(A: Am): { json: string; saved: Uint8Array } {
  let doc = A.init<Record<string, Record<string, unknown>>>({ actor: 'abcdef0123456789' })
  doc = A.change(doc, { time: 1 }, (d) => {
    TEXTS.forEach((key, i) => {
      d[`k${i}${key}`] = { [key]: new A.ImmutableString(TEXTS[(i + 3) % TEXTS.length]!), n: i }
    })
  })
  return { json: JSON.stringify(doc), saved: A.save(doc) }
}

/** How often the glue decodes a short string with a TextDecoder while a change is made. */
function decodesFor(A: Am): number {
  const doc = A.init<Record<string, unknown>>()
  const decode = vi.spyOn(TextDecoder.prototype, 'decode')
  A.change(doc, (d) => {
    for (let i = 0; i < 20; i++) d[`key${i}`] = { label: new A.ImmutableString(`value ${i}`) }
  })
  // Object IDs (`1@` and the actor, 34 bytes) and heads are longer and still go to the decoder.
  const calls = decode.mock.calls.filter(([bytes]) => (bytes as Uint8Array).length <= 24).length
  decode.mockRestore()
  return calls
}

describe("Automerge's short strings read without a TextDecoder (scripts/automerge-short-text.ts)", () => {
  it('reads the same keys and values as the shipped glue', async () => {
    const shipped = build(await copies.load())
    const fast = build(await copies.load(addShortTextPath))
    expect(fast.json).toBe(shipped.json)
    expect(fast.saved).toEqual(shipped.saved)
    const doc = JSON.parse(fast.json) as Record<string, Record<string, string>>
    expect(doc['k6Zoë']).toEqual({ Zoë: 'ok', n: 6 })
    expect(doc['k5del\x7f']).toEqual({ 'del\x7f': '日本', n: 5 })
    expect(doc[`k3${'x'.repeat(24)}`]![`${'x'.repeat(24)}`]).toBe('Zoë')
  })

  it('calls no TextDecoder for short ASCII text, where the shipped glue calls one per string', async () => {
    expect(decodesFor(await copies.load())).toBeGreaterThan(40)
    expect(decodesFor(await copies.load(addShortTextPath))).toBe(0)
  })

  it('fails loudly when the glue is not as expected', () => {
    expect(() => addShortTextPath('function decodeText(p, l) {}')).toThrow(/no longer decodes/)
  })
})
