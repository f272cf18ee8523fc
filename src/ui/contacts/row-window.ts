/**
 * Which rows of a long list of equal-height rows to put in the page: those in view and `overscan`
 * more on each side. The space of the rows left out is kept as padding above and below, so the
 * scroll bar and scroll position are those of the whole list.
 */
export interface RowWindow {
  /** The first row in the page. */
  start: number
  /** One past the last row in the page. */
  end: number
  /** Pixels of rows left out above and below. */
  before: number
  after: number
}

export function rowWindow(options: {
  count: number
  rowHeight: number
  scrollTop: number
  viewportHeight: number
  overscan: number
}): RowWindow {
  const { count, overscan } = options
  const rowHeight = Math.max(1, options.rowHeight)
  const top = Math.max(0, options.scrollTop)
  const first = Math.min(count, Math.floor(top / rowHeight))
  const inView = Math.ceil(Math.max(0, options.viewportHeight) / rowHeight) + 1
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, first + inView + overscan)
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight }
}
