/** What a scanned code is for. */
export type ScannedCode =
  | { kind: 'workplace'; link: string }
  | { kind: 'pairing'; code: string }
  | { kind: 'unknown'; text: string }

const WORKPLACE_HASH = /#(join|ask)=[A-Za-z0-9_-]+$/
const PAIRING = /^pp1\.[A-Za-z0-9_-]+$/

/**
 * Sorts scanned or pasted text: a workplace link (an invite or an "ask to join" link, from any
 * Peerplace address), a manual pairing code, or something else.
 */
export function classifyScannedText(raw: string): ScannedCode {
  const text = raw.trim()
  const compact = text.replace(/\s+/g, '')
  if (PAIRING.test(compact)) return { kind: 'pairing', code: compact }
  if (WORKPLACE_HASH.test(text)) {
    try {
      const url = new URL(text)
      if (url.protocol === 'https:' || url.protocol === 'http:') {
        return { kind: 'workplace', link: url.href }
      }
    } catch {
      // not a URL: fall through
    }
  }
  return { kind: 'unknown', text }
}
