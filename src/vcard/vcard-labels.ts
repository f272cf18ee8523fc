/**
 * Phone, email and address labels to and from vCard TYPE parameters. A label is lower-case
 * words: a place (home, work, other) and/or a kind (mobile, fax, pager, main…), e.g.
 * "work mobile"; anything else is a custom label, written with Apple's `itemN.X-ABLabel`
 * convention, which Apple and Google contacts both read.
 */

const PLACES = ['home', 'work', 'other'] as const
const KINDS: Record<string, string> = {
  cell: 'mobile',
  mobile: 'mobile',
  iphone: 'mobile',
  fax: 'fax',
  pager: 'pager',
  main: 'main',
  video: 'video',
  textphone: 'textphone',
  car: 'car',
  isdn: 'isdn',
}
/** TYPE values that say nothing a person would call a label. */
const IGNORED = new Set([
  'voice',
  'internet',
  'pref',
  'x400',
  'text',
  'msg',
  'postal',
  'parcel',
  'dom',
  'intl',
  'bbs',
  'modem',
])
const TO_TYPE: Record<string, string> = {
  home: 'home',
  work: 'work',
  other: 'other',
  mobile: 'cell',
  fax: 'fax',
  pager: 'pager',
  main: 'main',
  video: 'video',
  textphone: 'textphone',
  car: 'car',
  isdn: 'isdn',
}

/** A table's entry for a word, never one its prototype has (`constructor`, `__proto__`). */
const own = (table: Record<string, string>, word: string): string | undefined =>
  Object.hasOwn(table, word) ? table[word] : undefined

/** Apple writes its built-in labels as `_$!<Mobile>!$_`; custom ones as they are. */
export function cleanAppleLabel(label: string): string {
  const builtIn = /^_\$!<(.*)>!\$_$/.exec(label.trim())
  if (!builtIn) return label.trim()
  const name = builtIn[1]!.trim().toLowerCase()
  return labelFromTypes([name]) || name
}

/**
 * A label from a property's TYPE values: the known ones as lower-case words ("work mobile"),
 * else the first other value as written, without an `X-` prefix (`TEL;X-Lab` is "Lab").
 */
export function labelFromTypes(types: readonly string[]): string {
  const raw = types
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean)
  const words = raw.map((t) => t.toLowerCase().replace(/^x-/, ''))
  const place = PLACES.find((p) => words.includes(p))
  const kind = words.map((w) => own(KINDS, w)).find(Boolean)
  const known = [place, kind].filter(Boolean).join(' ')
  if (known) return known
  const custom = raw.find((_, i) => !IGNORED.has(words[i]!))
  return custom?.replace(/^x-/i, '') ?? ''
}

/** TYPE values for a label, or undefined when it is custom (write it as X-ABLabel). */
export function typesForLabel(label: string, version: '3.0' | '4.0'): string[] | undefined {
  const words = label.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return []
  if (words.some((w) => w !== w.toLowerCase())) return undefined
  if (words.length > 2 || words.some((w) => !own(TO_TYPE, w))) return undefined
  if (labelFromTypes(words.map((w) => own(TO_TYPE, w)!)) !== words.join(' ')) return undefined
  const types = words.map((w) => own(TO_TYPE, w)!)
  return version === '3.0' ? types.map((t) => t.toUpperCase()) : types
}
