import type { Logger } from './config.ts'

/**
 * A logger that writes at most `perMinute` info, warn and error lines a minute, and then
 * one line saying how many it left out: a client cannot flood the server's log.
 */
export function rateLimitedLogger(logger: Logger, perMinute: number, now = Date.now): Logger {
  let windowStart = now()
  let written = 0
  let dropped = 0
  const allow = (): boolean => {
    const time = now()
    if (time - windowStart >= 60_000) {
      if (dropped > 0) logger.warn(`${dropped} log lines left out in the last minute`)
      windowStart = time
      written = 0
      dropped = 0
    }
    if (written < perMinute) {
      written++
      return true
    }
    dropped++
    return false
  }
  return {
    // Off in production; when on, it is for development and is not counted.
    debug: (message) => logger.debug(message),
    info(message) {
      if (allow()) logger.info(message)
    },
    warn(message) {
      if (allow()) logger.warn(message)
    },
    error(message, error) {
      if (allow()) logger.error(message, error)
    },
  }
}
