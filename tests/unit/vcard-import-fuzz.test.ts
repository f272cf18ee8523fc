/**
 * Fuzzes the vCard import (readVCards, and streamVCards as its worker runs it) with damaged real
 * exports, huge files and long runs of what its regular expressions repeat. Its contract: contacts
 * or up to 10 problems naming lines, never a throw or a long wait; plain data with the model's keys
 * only, and no lone surrogate or prototype value it made itself. Seeded: a failure replays.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ALL_ITEM_LISTS,
  ALL_TEXT_FIELDS,
  emptyContact,
  LIMITS,
  type ContactInput,
} from '../../src/crdt/contacts/contact-model.ts'
import { readVCards, type VCardImport } from '../../src/vcard/vcard-read.ts'
import { streamVCards, VCardReceiver } from '../../src/vcard/vcard-stream.ts'
import { isParseReply, type ParseReply } from '../../src/vcard/vcard-worker-protocol.ts'
import { writeVCards } from '../../src/vcard/vcard-write.ts'
import { describeError, pollution, preview, SLOW_MS } from '../support/decoder-contract.ts'
import { Gen } from '../support/hostile-input.ts'
import * as hostile from '../support/hostile-vcard.ts'
import { SAMPLES } from './vcard-samples.ts'

const root = join(import.meta.dirname, '..', '..')
const fixture = (file: string) => readFileSync(join(root, 'tests/fixtures/vcard', file), 'utf8')
const SMALL = SAMPLES.map((s) => fixture(s.file))
const PHONE = fixture('phone-export-200.vcf')
const REGEX_MS = 200

const CONTACT_KEYS = new Set<string>([...ALL_TEXT_FIELDS, ...ALL_ITEM_LISTS, 'tags'])
const ITEM_KEYS = new Set(['label', 'value', 'group', 'kind'])
const ADDRESS_KEYS = new Set(
  'label street locality region postcode country extended pobox group'.split(' '),
)
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** What a prototype's function or object looks like when it ends up in a string. */
const LEAK = /\[native code\]|\[object /

const plain = (v: unknown, proto: object) =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === proto
const keysIn = (v: object, allowed: ReadonlySet<string>) =>
  Reflect.ownKeys(v).every((k) => typeof k === 'string' && allowed.has(k))

/** Strings in the result must be strings made from the input, not from a prototype. */
function badString(s: unknown, input: string): string | undefined {
  if (typeof s !== 'string') return `a ${typeof s} where a string belongs`
  if (LONE.test(s) && !LONE.test(input)) return `a lone surrogate the input had not: ${preview(s)}`
  if (LEAK.test(s) && !LEAK.test(input)) return `a prototype's text: ${preview(s)}`
}

function badContact(c: ContactInput, input: string): string | undefined {
  if (!plain(c, Object.prototype) || !keysIn(c, CONTACT_KEYS)) return `a contact ${preview(c)}`
  for (const [key, value] of Object.entries(c)) {
    if (key === 'tags' || !(ALL_ITEM_LISTS as readonly string[]).includes(key)) {
      const values = key === 'tags' && plain(value, Array.prototype) ? value : [value]
      for (const v of values as unknown[]) if (badString(v, input)) return badString(v, input)
      continue
    }
    if (!plain(value, Array.prototype)) return `${key} is ${preview(value)}`
    const keys = key === 'addresses' ? ADDRESS_KEYS : ITEM_KEYS
    for (const item of value as object[]) {
      if (!plain(item, Object.prototype) || !keysIn(item, keys)) return `${key}: ${preview(item)}`
      for (const v of Object.values(item)) if (badString(v, input)) return badString(v, input)
    }
  }
}

/** What breaks the reader's contract in its result for `input`, if anything. */
function badResult(r: VCardImport, input: string): string | undefined {
  if (!plain(r, Object.prototype)) return `returned ${preview(r)}`
  if (r.ok) {
    if (!keysIn(r, new Set(['ok', 'contacts', 'unmapped'])) || r.contacts.length === 0)
      return `returned ${preview(r)}`
    if (r.unmapped.length !== r.contacts.length) return 'unmapped is not one list per contact'
    for (const names of r.unmapped)
      if (!plain(names, Array.prototype) || names.some((n) => typeof n !== 'string' || !n))
        return `unmapped ${preview(names)}`
    for (const c of r.contacts) if (badContact(c, input)) return badContact(c, input)
    return undefined
  }
  const lines = input.split(/\r\n|\n|\r/).length
  if (r.errors.length < 1 || r.errors.length > 10) return `${r.errors.length} problems`
  for (const e of r.errors) {
    if (!plain(e, Object.prototype) || !keysIn(e, new Set(['line', 'message'])))
      return `a problem ${preview(e)}`
    if (!Number.isInteger(e.line) || e.line < 1 || e.line > lines)
      return `line ${e.line} of ${lines}`
    if (typeof e.message !== 'string' || !e.message) return `message ${preview(e.message)}`
  }
}

/** Deep equality, quick for large values (vitest's, with its diff, only when they differ). */
const same = (a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b) || expect(a).toEqual(b)

/** The worker's replies for `input`, in chunks of the given sizes, checked and put together. */
async function streamed(input: string, first: number, size: number): Promise<unknown> {
  const replies: ParseReply[] = []
  streamVCards(input, (r) => replies.push(r), { first, size })
  const receiver = new VCardReceiver()
  const done = replies.map((r) => {
    if (!isParseReply(r)) throw new Error(`a reply the page refuses: ${preview(r)}`)
    same(structuredClone(r), r)
    return receiver.receive(r)
  })
  expect(done.indexOf(true)).toBe(done.length - 1)
  const start = await receiver.started
  if (!start.ok) return start
  const contacts = await start.feed.take(Number.MAX_SAFE_INTEGER)
  const sizes = replies.slice(1).map((r) => (r.kind === 'cards' ? r.contacts.length : -1))
  expect(sizes.slice(0, -1)).toEqual(sizes.slice(0, -1).map((_, i) => (i === 0 ? first : size)))
  return { ok: true, contacts, unmapped: start.unmapped }
}

/** Runs cases and keeps every broken contract with the case that broke it. */
class Fuzz {
  readonly failures: string[] = []
  ok = 0
  refused = 0

  /** Reads `input` whole (and, given chunk sizes, streamed too); returns what it read. */
  async run(input: string, label: string, chunks?: [number, number]) {
    const started = performance.now()
    let result: VCardImport | undefined
    let broken: string | undefined
    try {
      result = readVCards(input)
      broken = badResult(result, input)
      this[result.ok ? 'ok' : 'refused']++
    } catch (error) {
      broken = `threw ${describeError(error)}`
    }
    const ms = performance.now() - started
    // Reading is linear: a second, and a millisecond more per thousand characters.
    if (ms > SLOW_MS + input.length / 1_000) broken ??= `took ${Math.round(ms)} ms`
    broken ??= pollution()
    if (!broken && chunks) {
      try {
        same(await streamed(input, ...chunks), result)
      } catch (error) {
        broken = `streamed in chunks ${chunks}: ${describeError(error)}`
      }
    }
    if (broken) this.failures.push(`${label}: ${broken} — input ${preview(input)}`)
    return result
  }
}

const chunksOf = (g: Gen): [number, number] => [1 + g.int(8), 1 + g.int(8)]
const card = (...lines: string[]) =>
  ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Fuzz', ...lines, 'END:VCARD', ''].join('\r\n')
/** A contact without its empty fields ('' and []), as the sample tests compare them. */
const tidy = (c: ContactInput) => Object.fromEntries(Object.entries(c).filter(([, v]) => `${v}`))

describe('the vCard import under hostile files', () => {
  it('reads the unchanged samples as the sample tests expect, and the checks catch breakage', async () => {
    for (const [i, sample] of SAMPLES.entries()) {
      const read = readVCards(SMALL[i]!)
      expect(read.ok && read.contacts.map(tidy), sample.file).toEqual(sample.contacts.map(tidy))
      expect(read.ok && [...new Set(read.unmapped.flat())].sort()).toEqual(sample.unmapped)
    }
    const phone = readVCards(PHONE)
    expect(phone.ok && phone.contacts).toHaveLength(200)
    expect(phone.ok && [...new Set(phone.unmapped.flat())].sort()).toEqual(['REV', 'X-ABADR'])
    const withPhone = (p: unknown) => ({ ok: true, contacts: [{ phones: [p] }], unmapped: [[]] })
    const broken: [unknown, string][] = [
      [withPhone({ label: 'function Object() { [native code] }', value: '1' }), 'prototype'],
      [withPhone({ label: '\ud800', value: '1' }), 'lone surrogate'],
      [withPhone({ label: 1, value: '1' }), 'a number'],
      [withPhone(Object.create({ label: 'a', value: '1' }) as unknown), 'phones: object'],
      [{ ok: true, contacts: [JSON.parse('{"__proto__":{}}')], unmapped: [[]] }, 'a contact'],
      [{ ok: false, errors: [{ line: 3, message: 'x' }] }, 'line 3 of 1'],
    ]
    for (const [result, words] of broken)
      expect(badResult(result as VCardImport, 'x')).toContain(words)
    await expect(streamed(SMALL[3]!, 1, 1)).resolves.toEqual(readVCards(SMALL[3]!))
  })

  it('keeps its contract for 600 damaged copies of real exports, whole and streamed', async () => {
    const fuzz = new Fuzz()
    const g = new Gen(0x7c4d)
    for (let i = 0; i < 600; i++) {
      const source = i % 25 === 24 ? PHONE : g.pick(SMALL)
      const { text, applied } = hostile.mutateVcf(g, source)
      await fuzz.run(text, `case #${i} (${applied.join(', ')})`, chunksOf(g))
    }
    expect(fuzz.failures).toEqual([])
    expect(fuzz.ok).toBeGreaterThan(100)
    expect(fuzz.refused).toBeGreaterThan(100)
  })

  it('reads a file cut anywhere as the cards it has complete, or refuses it', async () => {
    const fuzz = new Fuzz()
    for (const [n, text] of SMALL.entries()) {
      const whole = readVCards(text)
      if (!whole.ok) throw new Error(SAMPLES[n]!.file)
      for (let at = 0; at <= text.length; at++) {
        const cut = text.slice(0, at)
        const read = await fuzz.run(cut, `${SAMPLES[n]!.file} cut at ${at}`)
        const ended = cut.match(/^END:VCARD(?=\r|\n|$)/gm)?.length ?? 0
        const open = /\S/.test(cut.slice(cut.lastIndexOf('END:VCARD') + 9))
        const complete = { ok: true, contacts: whole.contacts.slice(0, ended) }
        if (read)
          expect(read, `cut at ${at}`).toMatchObject(ended && !open ? complete : { ok: false })
      }
    }
    expect(fuzz.failures).toEqual([])
  })

  it('reads the same contacts after changes that keep a file’s meaning', async () => {
    const fuzz = new Fuzz()
    const g = new Gen(0x5eed)
    for (let i = 0; i < 200; i++) {
      const source = i % 20 === 0 ? PHONE : g.pick(SMALL)
      let qp = false
      const changed = hostile.linesOf(source).map((line, n, lines) => {
        qp = line.includes('QUOTED-PRINTABLE') || (qp && /=\r?\n?$/.test(lines[n - 1]!))
        const body = line.replace(/[\r\n]+$/, '')
        const end = [line.slice(body.length), '\n', '\r'][g.int(3)]!
        const at = 1 + g.int(Math.max(1, body.length))
        const fold = !qp && body.length > 1 && g.chance(0.3) ? g.pick(['\r\n ', '\n\t']) : ''
        const blank = /=$/.test(body) || !g.chance(0.1) ? '' : '\r\n'
        return body.slice(0, at) + fold + body.slice(at) + end + blank
      })
      const text = (g.chance(0.3) ? '\ufeff' : '') + changed.join('')
      const read = await fuzz.run(text, `case #${i}`, chunksOf(g))
      expect(read, `case #${i}: ${preview(text)}`).toEqual(readVCards(source))
    }
    expect(fuzz.failures).toEqual([])
  })

  it('reads every hostile line in a card as written, without prototype values', async () => {
    const fuzz = new Fuzz()
    for (const [i, line] of hostile.HOSTILE_LINES.entries())
      await fuzz.run(card(line), `line #${i} ${line}`, [1, 1])
    const read = readVCards(card(...hostile.HOSTILE_LINES.slice(0, 8)))
    const labels = read.ok && read.contacts[0]!.phones!.map((p) => p.label).join(' ')
    expect(labels).toBe('constructor __proto__ constructor constructor __proto__')
    // Written back as a custom label (the export threw on a label named like a prototype key).
    const phones = [{ id: 'p', label: 'constructor', value: '1' }]
    expect(writeVCards([{ ...emptyContact('c'), phones }])).toContain('X-ABLabel:constructor')
    expect(fuzz.failures).toEqual([])
  })

  it('reads or refuses huge and oddly built files in linear time', async () => {
    const fuzz = new Fuzz()
    const tiny = 'BEGIN:VCARD\nVERSION:3.0\nFN:a\nEND:VCARD\n'
    const photo = 'QUJD'.repeat(250_000)
    const folded = (text: string, fold: string) => text.replace(/.{74}/g, `$&${fold}`)
    const made: [string, string, boolean, [number, number]?][] = [
      ['10,000 params', card(`TEL${';TYPE=CELL'.repeat(10_000)}:1`), true, [1, 1]],
      ['10,000 2.1 params', card(`TEL${';CELL;X-A'.repeat(5_000)}:1`), true],
      ['1 MB line', card(`NOTE:${'x'.repeat(1 << 20)}`), true],
      ['1 MB quoted-printable', card(`NOTE;QUOTED-PRINTABLE:${'=C3=A9'.repeat(175_000)}`), true],
      ['1 MB of categories', card(`CATEGORIES:${'a,'.repeat(500_000)}`), true],
      ['256 KB of ;', card(`N:${';'.repeat(1 << 18)}`), true],
      ['256 KB of \\,', card(`ORG:${'\\,'.repeat(1 << 17)}`), true],
      ['1 MB photo', card(`PHOTO;ENCODING=b;TYPE=JPEG:${photo}`), true],
      ['1 MB photo folded', card(`PHOTO;ENCODING=b:${folded(photo, '\r\n ')}`), true],
      ['1 MB photo cut short', card(`PHOTO;ENCODING=b:${photo.slice(0, 999_999)}=`), true],
      ['1 MB note folded', card(`NOTE:${folded('abc '.repeat(250_000), '\n\t')}`), true],
      ['100,000 soft breaks', card(`NOTE;QUOTED-PRINTABLE:${'=41=42=\r\n'.repeat(1e5)}`), true],
      ['50,000 folds of =', card(`X-A${'\r\n ='.repeat(50_000)}:1`), false],
      ['soft break at the end', `${card()}NOTE;QUOTED-PRINTABLE:=`, false, [1, 1]],
      ['100,000 tiny cards', tiny.repeat(100_000), false],
      ['20,000 tiny cards', tiny.repeat(20_000), true, [100, 500]],
      ['100,000 BEGIN:VCARD', 'BEGIN:VCARD\n'.repeat(100_000), false],
      ['100,000 END:VCARD', 'END:VCARD\n'.repeat(100_000), false],
      ['100,000 blank lines', `${'\r\n'.repeat(100_000)}${tiny}`, true],
      ['too large', 'x'.repeat(20_000_001), false],
    ]
    for (const [name, text, ok, chunks] of made) {
      const read = await fuzz.run(text, name, chunks)
      if (read && read.ok !== ok) fuzz.failures.push(`${name}: ok is ${read.ok}`)
    }
    expect(fuzz.failures).toEqual([])
  })

  it('takes linear time in every regular expression of src/vcard, alone and in a card', async () => {
    const literals = hostile.regexLiterals(join(root, 'src/vcard'))
    expect(literals.length).toBeGreaterThan(30)
    // Export only: its input is a stored nickname, never longer than LIMITS.text.
    const bounded = new Map([['vcard-write.ts /\\s*,\\s*/', LIMITS.text]])
    expect(literals.map((l) => l.where)).toEqual(expect.arrayContaining([...bounded.keys()]))
    const slow: string[] = []
    for (const { where, regex } of literals) {
      const length = bounded.get(where) ?? 50_000
      for (const unit of hostile.probeUnits(regex)) {
        const run = unit.repeat(length / unit.length)
        for (const input of [run, `${hostile.leadingText(regex)}${run}!`]) {
          const started = performance.now()
          regex.exec(input)
          const ms = performance.now() - started
          if (ms > REGEX_MS) slow.push(`${where} took ${Math.round(ms)} ms on ${preview(input)}`)
        }
      }
    }
    expect(slow).toEqual([])
    const fuzz = new Fuzz()
    const places =
      'R.TEL:1|TEL;R:1|TEL;TYPE=R:1|TEL;TYPE="R":1|NOTE:R|N:R|ADR:R|BDAY:R|R:1|X-A;R=1:R'
    const more = '|NOTE;QUOTED-PRINTABLE:R|PHOTO;ENCODING=b:R|PHOTO:data:image/R|CATEGORIES:R'
    const units = ';|,|\\|=| |:|.|\t|"|a|=4|\r\n |ab\r\n |ab=\r\n'.split('|')
    for (const place of `${places}${more}|item1.X-ABLabel:_$!<R|TEL;X-CUSTOM(R:1`.split('|'))
      for (const unit of units) {
        const line = place.replace('R', () => unit.repeat(50_000 / unit.length))
        await fuzz.run(card(line), `${place} with ${JSON.stringify(unit)}`)
      }
    expect(fuzz.failures).toEqual([])
  })
})
