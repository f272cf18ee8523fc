/** Whether two maps hold the same keys with the same (identical) values. */
export function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false
  for (const [key, value] of a) if (b.get(key) !== value || !b.has(key)) return false
  return true
}
