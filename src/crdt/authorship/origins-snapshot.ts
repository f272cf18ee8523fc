/**
 * What a RecordOrigins (record-origins.ts) has read of a document's history, as plain data, so
 * the next visit reads only the changes made since (`heads`) instead of the whole history again.
 * History only grows, and `heads` names exactly the part read; a snapshot whose heads the
 * document does not hold (or that is malformed) is not used, and the history is read afresh.
 */
export interface OriginsSnapshot {
  readonly v: 1
  /** The map at the document's root, and the fields, the reader was made for. */
  readonly map: string
  readonly fields: readonly string[]
  /** The document's heads when this was taken: every change up to them was read. */
  readonly heads: readonly string[]
  readonly maps: readonly string[]
  readonly created: readonly (readonly [string, Readonly<Record<string, string | number>>])[]
  readonly objects: readonly (readonly [string, readonly string[]])[]
  readonly within: readonly (readonly [string, string, readonly string[]])[]
  readonly parts: readonly (readonly [string, readonly string[]])[]
}

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string')

const isPairs = <T>(v: unknown, value: (x: unknown) => x is T): v is [string, T][] =>
  Array.isArray(v) &&
  v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && value(e[1]))

const isFields = (v: unknown): v is Record<string, string | number> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number')

/** `value` as a snapshot for a reader of `map` with `fields`, or undefined. */
export function asOriginsSnapshot(
  value: unknown,
  map: string,
  fields: readonly string[],
): OriginsSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const s = value as Record<string, unknown>
  const ok =
    s['v'] === 1 &&
    s['map'] === map &&
    isStrings(s['fields']) &&
    s['fields'].join('\n') === fields.join('\n') &&
    isStrings(s['heads']) &&
    s['heads'].length > 0 &&
    isStrings(s['maps']) &&
    isPairs(s['created'], isFields) &&
    isPairs(s['objects'], isStrings) &&
    isPairs(s['parts'], isStrings) &&
    Array.isArray(s['within']) &&
    s['within'].every(
      (e: unknown) =>
        Array.isArray(e) &&
        e.length === 3 &&
        typeof e[0] === 'string' &&
        typeof e[1] === 'string' &&
        isStrings(e[2]),
    )
  return ok ? (s as unknown as OriginsSnapshot) : undefined
}
