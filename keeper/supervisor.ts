import type { KeeperLog } from './keeper-log.ts'

/** The exit code of a keeper that cannot start as configured: restarting would not help. */
export const EXIT_CONFIG = 78

/** How one run of the keeper ended. */
export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One running keeper process, as the supervisor sees it. */
export interface SupervisedChild {
  readonly exited: Promise<ChildExit>
  kill(signal: NodeJS.Signals): void
}

export interface SupervisorOptions {
  start(): SupervisedChild
  log: KeeperLog
  /** First restart delay; doubled after each crash up to `maxDelayMs`. Default 1 s. */
  minDelayMs?: number
  /** Default 60 s. */
  maxDelayMs?: number
  /** A run at least this long counts as healthy: the next crash restarts after `minDelayMs`. */
  healthyAfterMs?: number
  /** After a stop signal, the keeper gets this long to say goodbye before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number
}

/** Why a run ended, in words, or undefined when it ended on purpose (no restart). */
export function crashReason(exit: ChildExit): string | undefined {
  if (exit.signal) return `killed by ${exit.signal}`
  if (exit.code === 0 || exit.code === EXIT_CONFIG) return undefined
  return `exited with code ${exit.code}`
}

/**
 * Runs the keeper and starts it again whenever it dies of a signal or crashes (an uncaught
 * error), after a delay that doubles per crash up to a bound. A clean exit and a configuration
 * error end supervision. `stop(signal)` passes the signal on, waits for the keeper's goodbye
 * and restarts nothing. Resolves with the exit code the supervisor should end with.
 */
export class Supervisor {
  readonly #options: SupervisorOptions
  #child: SupervisedChild | undefined
  #stopping: NodeJS.Signals | undefined
  #wake: (() => void) | undefined

  constructor(options: SupervisorOptions) {
    this.#options = options
  }

  async run(): Promise<number> {
    const min = this.#options.minDelayMs ?? 1000
    const max = this.#options.maxDelayMs ?? 60_000
    const healthyAfter = this.#options.healthyAfterMs ?? 60_000
    const { log } = this.#options
    let delay = min
    let restarts = 0
    for (;;) {
      const startedAt = performance.now()
      this.#child = this.#options.start()
      const exit = await this.#child.exited
      this.#child = undefined
      if (this.#stopping) return exit.code ?? 0
      const reason = crashReason(exit)
      if (!reason) {
        log.event('supervisor-done', { code: exit.code ?? 0 })
        return exit.code ?? 0
      }
      if (performance.now() - startedAt >= healthyAfter) delay = min
      restarts++
      log.event('keeper-crashed', { reason, restart: restarts, inMs: delay })
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay)
        this.#wake = () => (clearTimeout(timer), resolve())
      })
      this.#wake = undefined
      if (this.#stopping) return 0
      delay = Math.min(delay * 2, max)
    }
  }

  /** Stops the keeper (it says goodbye to its links) and supervision with it. */
  stop(signal: NodeJS.Signals): void {
    if (this.#stopping) return
    this.#stopping = signal
    this.#options.log.event('supervisor-stopping', { signal })
    this.#wake?.()
    const child = this.#child
    if (!child) return
    child.kill(signal)
    const timer = setTimeout(() => {
      this.#options.log.event('supervisor-kill', { note: 'the keeper did not stop in time' })
      child.kill('SIGKILL')
    }, this.#options.stopTimeoutMs ?? 15_000)
    void child.exited.then(() => clearTimeout(timer))
  }
}
