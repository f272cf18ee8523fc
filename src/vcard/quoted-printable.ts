/**
 * Decodes a quoted-printable value (vCard 2.1 and some 3.0 exporters) in the given charset;
 * soft line breaks were already joined when the lines were unfolded.
 */
export function decodeQuotedPrintable(text: string, charset = 'utf-8'): string {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    const hex = c === '=' ? text.slice(i + 1, i + 3) : ''
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else if (c === '=' && i === text.length - 1) {
      // A trailing soft break.
    } else {
      for (const byte of new TextEncoder().encode(c)) bytes.push(byte)
    }
  }
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(charset.trim().toLowerCase() || 'utf-8')
  } catch {
    decoder = new TextDecoder('utf-8')
  }
  return decoder.decode(new Uint8Array(bytes))
}
