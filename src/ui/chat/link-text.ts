/** A run of message text: plain text, or a web link to render as an anchor. Never markup. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi
const TRAILING = /[.,;:!?'"»”’]+$/

/**
 * Splits text into text and http(s) link parts. Only http and https links become links (never
 * `javascript:` or `data:`); trailing punctuation and an unbalanced closing bracket stay text.
 * The caller renders every part as text, the link's text inside an anchor.
 */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = []
  let plainFrom = 0
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index
    const raw = trimUrl(match[0])
    const href = toHref(raw)
    if (!href) continue
    if (start > plainFrom) parts.push({ kind: 'text', text: text.slice(plainFrom, start) })
    parts.push({ kind: 'link', text: raw, href })
    plainFrom = start + raw.length
  }
  if (plainFrom < text.length) parts.push({ kind: 'text', text: text.slice(plainFrom) })
  return mergeText(parts)
}

function trimUrl(candidate: string): string {
  let url = candidate
  for (;;) {
    const before = url
    url = url.replace(TRAILING, '')
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ] as const) {
      if (url.endsWith(close) && count(url, close) > count(url, open)) url = url.slice(0, -1)
    }
    if (url === before) return url
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1
}

function toHref(raw: string): string | undefined {
  const withScheme = /^www\./i.test(raw) ? `https://${raw}` : raw
  try {
    const url = new URL(withScheme)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    if (!url.hostname) return undefined
    return url.href
  } catch {
    return undefined
  }
}

function mergeText(parts: TextPart[]): TextPart[] {
  const out: TextPart[] = []
  for (const part of parts) {
    const last = out.at(-1)
    if (part.kind === 'text' && last?.kind === 'text') last.text += part.text
    else out.push(part)
  }
  return out
}
