/**
 * The first pass over a vCard file, before the parser sees it: physical lines are unfolded into
 * content lines that remember the line number they start on, so every error can name its line.
 */

export interface ContentLine {
  /** 1-based number of the physical line the content line starts on. */
  line: number
  text: string
}

export interface LineParts {
  /** The grouping prefix (Apple's `item1.`) as written, or ''. */
  group: string
  /** Property name, upper case. */
  name: string
  /** Parameters as written (name and value), `TYPE` for bare 2.1-style ones. */
  params: { name: string; value: string }[]
  value: string
}

const NAME = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$/

/**
 * Unfolds (a line starting with a space or tab continues the one before; a quoted-printable
 * value ending in `=` continues on the next line) and drops blank lines. Accepts CRLF, LF or CR.
 */
export function unfoldLines(text: string): ContentLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  const out: ContentLine[] = []
  let last: ContentLine | undefined
  // The last line's physical lines after its first, joined to its text once it is complete:
  // appending each to it and reading it again copied all of it each time (quadratic time).
  let rest: string[] = []
  let head: HeadScan | undefined
  const add = (piece: string) => {
    if (piece !== '') rest.push(piece)
  }
  const end = () => {
    if (last && rest.length > 0) last.text += rest.join('')
    rest = []
    head = undefined
  }
  let softBreak = false
  physical.forEach((raw, i) => {
    if (last && softBreak) {
      if (rest.length === 0) last.text = last.text.slice(0, -1)
      else add(rest.pop()!.slice(0, -1))
      add(raw.replace(/^[ \t]/, ''))
    } else if (last && /^[ \t]/.test(raw)) {
      add(raw.slice(1))
    } else if (raw.trim() !== '') {
      end()
      last = { line: i + 1, text: raw }
      out.push(last)
    } else {
      softBreak = false
      return
    }
    softBreak =
      (rest[rest.length - 1] ?? last.text).endsWith('=') &&
      (head ??= new HeadScan()).isQuotedPrintable(last.text, rest)
  })
  end()
  return out
}

const QUOTED_PRINTABLE = /ENCODING=QUOTED-PRINTABLE|;QUOTED-PRINTABLE/i

/**
 * Whether a line being unfolded is quoted-printable: each piece of it is looked through once
 * for the colon after its name and parameters (scanColon, carrying its quotes across pieces).
 */
class HeadScan {
  #quotedPrintable: boolean | undefined
  #inQuotes = false
  #pieces = 0
  #chars = 0

  isQuotedPrintable(first: string, rest: readonly string[]): boolean {
    while (this.#quotedPrintable === undefined && this.#pieces <= rest.length) {
      const piece = this.#pieces === 0 ? first : rest[this.#pieces - 1]!
      this.#pieces++
      const scan = scanColon(piece, this.#inQuotes)
      this.#inQuotes = scan.quoted
      if (scan.colon >= 0) {
        const colon = this.#chars + scan.colon
        const head = [first, ...rest.slice(0, this.#pieces - 1)].join('').slice(0, colon)
        this.#quotedPrintable = colon > 0 && QUOTED_PRINTABLE.test(head)
      }
      this.#chars += piece.length
    }
    return this.#quotedPrintable === true
  }
}

/** The index of the colon that ends the name and parameters (not one inside quotes). */
function findColon(text: string): number {
  return scanColon(text, false).colon
}

/**
 * The index in `text` of the first colon outside quotes (-1: none), `quoted` telling whether
 * `text` starts inside quotes; and whether it is inside quotes there (or at its end).
 */
function scanColon(text: string, quoted: boolean): { colon: number; quoted: boolean } {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if (c === ':' && !quoted) return { colon: i, quoted }
  }
  return { colon: -1, quoted }
}

/** Splits a content line, or returns the reason it is not one. */
export function splitLine(text: string): LineParts | string {
  const colon = findColon(text)
  if (colon < 0) return 'It has no ":" between the name and the value'
  const head = text.slice(0, colon)
  const segments: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < head.length; i++) {
    if (head[i] === '"') quoted = !quoted
    else if (head[i] === ';' && !quoted) {
      segments.push(head.slice(start, i))
      start = i + 1
    }
  }
  segments.push(head.slice(start))
  const match = NAME.exec(segments[0]!.trim())
  if (!match) return 'Its property name is not valid'
  const params: LineParts['params'] = []
  for (const segment of segments.slice(1)) {
    // Samsung's custom label: `X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,=42=6F=61=74)`.
    const custom = /^X-CUSTOM\((.*)\)$/i.exec(segment.trim())
    if (custom) {
      params.push({ name: 'X-CUSTOM', value: custom[1]! })
      continue
    }
    const eq = segment.indexOf('=')
    if (eq === 0) return 'It has a parameter with no name'
    if (eq < 0) {
      // vCard 2.1 style: `TEL;CELL;VOICE:` means TYPE=CELL,VOICE.
      if (!/^[A-Za-z0-9-]+$/.test(segment))
        return `Its parameter "${segment.slice(0, 40)}" is not valid`
      params.push({ name: 'TYPE', value: segment })
    } else {
      params.push({ name: segment.slice(0, eq).trim().toUpperCase(), value: segment.slice(eq + 1) })
    }
  }
  return {
    group: match[1] ?? '',
    name: match[2]!.toUpperCase(),
    params,
    value: text.slice(colon + 1),
  }
}

/** A parameter's values (comma lists and repeats flattened; quotes removed), any case of name. */
export function paramValues(parts: LineParts, name: string): string[] {
  // Asked several times of every line, most of which have no such parameter: nothing is
  // allocated for a parameter of another name.
  const values: string[] = []
  for (const p of parts.params) {
    if (p.name !== name) continue
    const list = p.value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .split(',')
    for (const v of list) {
      const value = v.trim()
      if (value) values.push(value)
    }
  }
  return values
}
