/**
 * vCard value text: splitting structured values on unescaped separators, undoing and applying
 * the backslash escapes of RFC 2426 / RFC 6350, and folding long lines.
 */

/** Splits on `separator` where it is not escaped by a backslash; escapes are left in place. */
export function splitEscaped(value: string, separator: ';' | ','): string[] {
  const parts: string[] = []
  let current = ''
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1]
      i++
    } else if (c === separator) {
      parts.push(current)
      current = ''
    } else current += c
  }
  parts.push(current)
  return parts
}

/** Undoes `\n`, `\N`, `\\`, `\;`, `\,` (and `\:`, which some exporters write); other `\x` stay. */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN;,:\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
}

/** Escapes a TEXT value (or one component of a structured one) for vCard 3.0 and 4.0. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
}

/** A parameter value: quoted when it holds `:`, `;` or `,`; characters a parameter cannot hold go. */
export function paramValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/["\u0000-\u001f\u007f]/g, ' ')
  return /[:;,]/.test(clean) ? `"${clean}"` : clean
}

const encoder = new TextEncoder()

/** Folds a content line at 75 octets, never inside a UTF-8 character; joined with CRLF + space. */
export function foldLine(line: string): string {
  if (line.length <= 75 && encoder.encode(line).length <= 75) return line
  const out: string[] = []
  let current = ''
  let octets = 0
  for (const ch of line) {
    const size = encoder.encode(ch).length
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current)
      current = ''
      octets = 0
    }
    current += ch
    octets += size
  }
  out.push(current)
  return out.join('\r\n ')
}
