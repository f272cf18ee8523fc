/**
 * Seeded generators of hostile vCard files for tests/unit/vcard-import-fuzz.test.ts: the damage
 * real exports and their transfers do to a file (bytes, cuts, line ends, folding, BOMs, charsets,
 * quoted-printable, photos, card structure), lines with prototype names in every place, huge
 * files, and the regular expressions of src/vcard as written, to probe each on its own.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Gen, mutateBytes, mutateText, utf8 } from './hostile-input.ts'

/** What a browser's File.text() makes of bytes: UTF-8, bad sequences as U+FFFD, BOM dropped. */
const decodeUtf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** A text's lines, each with its line end (CRLF, LF or CR). */
export const linesOf = (text: string): string[] => text.split(/(?<=\n|\r(?!\n))/)

/** Charsets a CHARSET parameter may name: odd, unknown, refused by TextDecoder, or no name. */
const ODD_CHARSETS = [
  ...'x-unknown utf-7 utf-16 UTF-16BE iso-2022-kr replacement hz-gb-2312 shift_jis'.split(' '),
  ...'gb18030 windows-1252 __proto__ constructor'.split(' '),
  ...['', '"', '\u0000', 'utf-8\ud800', 'a'.repeat(1000)],
]

/** Lines with prototype names, odd labels, dates, encodings and empty parts. */
export const HOSTILE_LINES = [
  'TEL;TYPE=constructor:+1 555 0100',
  'TEL;TYPE=__proto__:+1 555 0101',
  'TEL;X-constructor;TYPE=x-__proto__:+1 555 0102',
  'EMAIL;TYPE=toString,valueOf,hasOwnProperty:a@b.example',
  'item9.TEL:+1 555 0103',
  'item9.X-ABLabel:_$!<constructor>!$_',
  'constructor.TEL:+1 555 0104',
  'constructor.X-ABLabel:_$!<__proto__>!$_',
  'IMPP;X-SERVICE-TYPE=__proto__:x:y',
  'BDAY;X-APPLE-OMIT-YEAR=constructor:constructor-01-01',
  'BDAY:--1399',
  'ANNIVERSARY:0000-00-00T',
  'item8.X-ABDATE:2000-01-01',
  'item8.X-ABLabel:_$!<Anniversary>!$_',
  'TEL;X-CUSTOM(CHARSET=constructor,ENCODING=QUOTED-PRINTABLE,=E2=80=):1',
  'TEL;X-CUSTOM(:1',
  'N;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-16:=00=D8;=DC=00',
  'NOTE;ENCODING=QUOTED-PRINTABLE:=',
  'NOTE;QUOTED-PRINTABLE:=F0=9F=98',
  'PHOTO;ENCODING=b;TYPE=__proto__:AAAA',
  'PHOTO:data:image/png;base64,',
  'PHOTO;ENCODING=BASE64:====',
  'CATEGORIES:__proto__,constructor,toString',
  'ADR:;;;;;;;;;;;;',
  'ORG:\\',
  'FN;"a:b":c',
  'TEL;TYPE=":1',
  'X-ABLabel:orphan',
  'UID:__proto__',
  ':',
  'a.:x',
]

/** A place just after one of the matches of `pattern` (global), if it has any. */
const after = (g: Gen, text: string, pattern: RegExp): number | undefined => {
  const found = [...text.matchAll(pattern)].map((m) => m.index + m[0].length)
  return found.length > 0 ? g.pick(found) : undefined
}

const atLine = (g: Gen, text: string, insert: string): string => {
  const lines = linesOf(text)
  lines.splice(g.int(lines.length + 1), 0, insert)
  return lines.join('')
}

/** The kinds of damage, each by name (a failing case names the ones it got). */
const VCARD_MUTATIONS: Record<string, (g: Gen, text: string) => string> = {
  bytes: (g, text) => decodeUtf8(mutateBytes(g, utf8(text))),
  chars: (g, text) => mutateText(g, text),
  cut: (g, text) => {
    const boundary = g.pick([/$/gm, /\r(?=\n)/g, /:/g, /;/g, /=/g, /[\u0080-\uffff]/g, /./g])
    const at = after(g, text, boundary) ?? g.int(text.length + 1)
    // Sometimes in the middle of a UTF-8 sequence (the rest of the file never came).
    if (g.chance(0.3)) return decodeUtf8(utf8(text).slice(0, utf8(text.slice(0, at)).length - 1))
    return text.slice(0, g.chance(0.2) ? Math.max(0, at - 2) : at)
  },
  lines: (g, text) => {
    const lines = linesOf(text)
    const i = g.int(lines.length)
    const kind = g.int(3)
    if (kind === 0) lines.splice(i, 0, lines[i]!)
    else if (kind === 1) lines.splice(i, 1)
    else lines.splice(g.int(lines.length), 0, ...lines.splice(i, 1 + g.int(4)))
    return lines.join('')
  },
  ends: (g, text) => {
    const end = g.pick(['\n', '\r', '\r\n', '\n\r', 'mixed'])
    return text.replace(/\r\n|\n|\r/g, () =>
      end === 'mixed' ? g.pick(['\n', '\r', '\r\n', '\n\n', '\r\r']) : end,
    )
  },
  fold: (g, text) => {
    let out = text
    for (let n = 1 + g.int(5); n > 0; n--) {
      const at = g.int(out.length + 1)
      out = out.slice(0, at) + g.pick(['\r\n ', '\r\n\t', '\n ', '\r ', '\r\n  ']) + out.slice(at)
    }
    return out
  },
  bom: (g, text) =>
    g.chance(0.5) ? '\ufeff'.repeat(1 + g.int(2)) + text : atLine(g, text, '\ufeff'),
  nul: (g, text) => {
    const at = g.int(text.length + 1)
    return text.slice(0, at) + '\u0000'.repeat(1 + g.int(3)) + text.slice(at)
  },
  surrogate: (g, text) => {
    const at = after(g, text, /[\ud800-\udbff]/g) ?? g.int(text.length + 1)
    return text.slice(0, at) + g.pick(['\ud800', '\udfff', '\udc00\ud83d', '']) + text.slice(at)
  },
  qp: (g, text) => {
    if (g.chance(0.4)) return text + g.pick(['=', 'NOTE;QUOTED-PRINTABLE:x=', '\r\n=\r\n'])
    if (g.chance(0.5)) return text.replace(/\r?\n?$/, `${g.pick(['=', '=\r\n', '=\r\n='])}`)
    const at = after(g, text, /(?=\r\n|\n|\r)/g) ?? text.length
    return text.slice(0, at) + g.pick(['=', '==', '=0', '=\r\n ']) + text.slice(at)
  },
  charset: (g, text) => {
    const at = after(g, text, /^[A-Za-z0-9.-]+(?=[;:])/gm) ?? 0
    const qp = g.chance(0.5) ? ';ENCODING=QUOTED-PRINTABLE' : ''
    return `${text.slice(0, at)};CHARSET=${g.pick(ODD_CHARSETS)}${qp}${text.slice(at)}`
  },
  photo: (g, text) => {
    const start = after(g, text, /^PHOTO[^:\r\n]*:/gm)
    if (start === undefined) return text + 'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ'
    const end = /[\r\n](?![ \t])/.exec(text.slice(start))?.index ?? text.length - start
    return text.slice(0, start + g.int(end + 1)) + text.slice(start + end)
  },
  structure: (g, text) => {
    const kind = g.int(4)
    if (kind === 0) return text.replace(g.chance(0.5) ? /END:VCARD\r?\n?/ : /BEGIN:VCARD\r?\n?/, '')
    if (kind === 1) return atLine(g, text, 'BEGIN:VCARD\r\nVERSION:3.0\r\n')
    if (kind === 2) return atLine(g, text, 'END:VCARD\r\n')
    return atLine(g, text, g.chance(0.5) ? 'BEGIN:VCARD\r\n' : 'END:VCARD\r\nBEGIN:VCARD\r\n')
  },
  hostileLine: (g, text) => atLine(g, text, `${g.pick(HOSTILE_LINES)}\r\n`),
  run: (g, text) => {
    const at = g.int(text.length + 1)
    const unit = g.pick([';', ',', '\\', '=', ' ', ':', '.', '"', '\t', '=4', '\\n', '\r\n '])
    return text.slice(0, at) + unit.repeat(1 + g.int(5000)) + text.slice(at)
  },
}

const NAMES = Object.keys(VCARD_MUTATIONS)

/** A real file damaged one to three ways; `applied` names the damage. */
export function mutateVcf(g: Gen, text: string): { text: string; applied: string[] } {
  const applied: string[] = []
  let out = text
  for (let n = g.chance(0.3) ? 2 + g.int(2) : 1; n > 0; n--) {
    const name = g.pick(NAMES)
    applied.push(name)
    out = VCARD_MUTATIONS[name]!(g, out)
  }
  return { text: out, applied }
}

/** A regular expression literal as written in a source file. */
export interface RegexLiteral {
  where: string
  regex: RegExp
}

/** A `/…/flags` after `(`, `=`, `,`, `:`, `=>`, `return` and the like (comments dropped). */
const LITERAL =
  /(?<=[(,=:!&|?[{;>]\s*|\breturn\s+)\/(?![/*])((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuvy]*)/g

/** Every regular expression literal in the .ts files of `dir`. */
export function regexLiterals(dir: string): RegexLiteral[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .flatMap((file) => {
      const source = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '')
      return [...source.matchAll(LITERAL)].map((m) => ({
        where: `${file} /${m[1]}/${m[2]}`,
        regex: new RegExp(m[1]!, m[2]!.replace(/[gy]/g, '')),
      }))
    })
}

/** What `\s`, `\d`, a range or `\p{…}` in a pattern can match, one character each. */
const CLASS_SAMPLES: [RegExp, string][] = [
  [/\\s/, ' \t'],
  [/\\d|0-9/, '0'],
  [/a-z|A-Z|\\w|\\p\{L\}/, 'aZ'],
  [/\\p\{N\}/, '٣'],
  [/\\r/, '\r'],
  [/\\n/, '\n'],
  [/\\u0000/, '\u0000\u001f'],
  [/\\uFEFF/i, '\ufeff'],
]

/**
 * Runs to probe a pattern with: each character it names (and one for each class), the usual
 * separators, and a few pairs; each is repeated to `length` characters by the caller.
 */
export function probeUnits(regex: RegExp): string[] {
  const { source } = regex
  const units = new Set([';', ',', '\\', '=', ' ', ':', '.', '\r\n', '=4', '\\;', ' ,', 'a.'])
  for (const c of source.replace(/\\[pPu]\{?[0-9A-Za-z]*\}?|\\[a-z]/g, '')) units.add(c)
  for (const [has, chars] of CLASS_SAMPLES)
    if (has.test(source)) for (const c of chars) units.add(c)
  return [...units]
}

/** The literal text a pattern must start with (`data:image/`), so a run reaches what follows. */
export function leadingText(regex: RegExp): string {
  const m = /^\^((?:\\[^a-zA-Z0-9]|[^\\^$.|?*+()[\]{}])*)/.exec(regex.source)
  const lead = (m?.[1] ?? '').replace(/\\(.)/g, '$1')
  // A quantifier after the last character makes it optional: leave it out.
  return /^[?*{]/.test(regex.source.slice(m?.[0].length ?? 0)) ? lead.slice(0, -1) : lead
}
