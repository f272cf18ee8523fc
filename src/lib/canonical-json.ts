/**
 * JSON with object keys sorted and no whitespace, so that a value signed on one device encodes
 * to the same bytes on every other. Only plain JSON values; undefined properties are omitted.
 * Every signature check encodes its claim: this builds the text in one pass, with no arrays of
 * entries along the way.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value)
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no NaN or Infinity')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i])
    return out + ']'
  }
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>
    // The default sort orders by UTF-16 code units, as comparing the strings with < does.
    const keys = Object.keys(object).sort()
    let out = '{'
    for (const key of keys) {
      const item = object[key]
      if (item === undefined) continue
      out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item)
    }
    return out + '}'
  }
  throw new Error(`canonical JSON cannot encode ${typeof value}`)
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value))
}
