/**
 * A value received from elsewhere, as an error message may show it: a number as itself, a
 * string quoted and cut to `max` characters, anything else by its type. Never throws: String()
 * throws on `{"toString": 1}`, and JSON.stringify overflows the stack on deep nesting.
 */
export function shownValue(value: unknown, max = 40): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value.slice(0, max))
  return value === null ? 'null' : typeof value
}
