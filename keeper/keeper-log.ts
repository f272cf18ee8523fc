/** The keeper's log: one line per event, `<time> <event> key=value…`, to stdout. */
export interface KeeperLog {
  event(name: string, fields?: Record<string, string | number | boolean>): void
  /** Detail from the peer layer (dropped signals, link retries); shown with --verbose. */
  debug(source: string, message: string): void
}

export function createKeeperLog(options: {
  write: (line: string) => void
  verbose?: boolean
  now?: () => Date
}): KeeperLog {
  const now = options.now ?? (() => new Date())
  const line = (name: string, fields: Record<string, string | number | boolean>) => {
    const parts = Object.entries(fields).map(([key, value]) => `${key}=${quote(String(value))}`)
    options.write([now().toISOString(), name, ...parts].join(' '))
  }
  return {
    event: (name, fields = {}) => line(name, fields),
    debug: (source, message) => {
      if (options.verbose) line('debug', { source, message })
    },
  }
}

/** A value with spaces, quotes or line breaks is quoted, so each event stays one line. */
function quote(value: string): string {
  return /^[^\s"=]*$/.test(value) ? value : JSON.stringify(value)
}
