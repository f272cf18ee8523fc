/**
 * Birthday and anniversary dates as exporters write them, to and from the contact model's form:
 * `YYYY-MM-DD`, or `--MM-DD` when the year is not known.
 */

/** Apple writes a date without a year as year 1604 (and says so in X-APPLE-OMIT-YEAR). */
const APPLE_NO_YEAR = '1604'

/**
 * Reads `1985-04-12`, `19850412`, `--0412`, `--04-12`, with or without a time after `T`, and
 * Apple's `1604-…` (or any year named by X-APPLE-OMIT-YEAR) as a date without a year.
 * Returns undefined for anything else (free text such as "circa 1800").
 */
export function readDate(value: string, omitYear?: string): string | undefined {
  const date = value.trim().split('T')[0]!
  const m = /^(?:(\d{4})-?|--)(\d{2})-?(\d{2})$/.exec(date)
  if (!m) return undefined
  const [, year, month, day] = m
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > 31)
    return undefined
  const noYear = !year || year === APPLE_NO_YEAR || (omitYear !== undefined && year === omitYear)
  return `${noYear ? '-' : year}-${month}-${day}`
}

/** A model date as vCard 4.0 writes it (`19850412`, `--0412`). */
export function dateFor4(value: string): string {
  return value.replace(/^(\d{4}|-)-(\d{2})-(\d{2})$/, (_, y: string, m: string, d: string) =>
    y === '-' ? `--${m}${d}` : `${y}${m}${d}`,
  )
}

/**
 * A model date as vCard 3.0 writes it, with the parameters it needs: 3.0 has no form without a
 * year, so that is written the way Apple does (which Apple and Google both read).
 */
export function dateFor3(value: string): { value: string; params: string } {
  const m = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return { value, params: ';VALUE=text' }
  if (m[1] !== '-') return { value, params: '' }
  return {
    value: `${APPLE_NO_YEAR}-${m[2]}-${m[3]}`,
    params: `;X-APPLE-OMIT-YEAR=${APPLE_NO_YEAR}`,
  }
}
