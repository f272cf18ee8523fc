/** A string stored either as Automerge text or as an ImmutableString. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && 'val' in value) {
    const val = (value as { val: unknown }).val
    if (typeof val === 'string') return val
  }
  return undefined
}
