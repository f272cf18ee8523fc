import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** A keeper (`keeper/main.ts`) run as a real child process, for tests and benchmarks. */
export interface KeeperProcess {
  readonly dataDir: string
  /** Every line it logged so far (stdout and stderr). */
  readonly lines: string[]
  /** Resolves with the first line (logged so far or later) matching `pattern`. */
  waitForLine(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>
  /** Sends a signal and waits for the process to end; resolves with its exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
  readonly exited: boolean
  /** The process started (the supervisor, when supervised). */
  readonly pid: number | undefined
}

/**
 * Starts the keeper (as node with tsx) on `dataDir`: keeper/main.ts itself, or with
 * `supervised`, keeper/supervise.ts (what `npm run keeper` runs), which restarts it.
 */
export function startKeeper(
  dataDir: string,
  args: readonly string[],
  options: { supervised?: boolean; env?: Record<string, string> } = {},
): KeeperProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // Set to a folder, the keeper writes a CPU profile there when it exits.
      ...(process.env.KEEPER_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.KEEPER_CPU_PROF]
        : []),
      '--import',
      'tsx',
      join(ROOT, 'keeper', options.supervised ? 'supervise.ts' : 'main.ts'),
      '--data',
      dataDir,
      ...args,
    ],
    // Its own process group, so it can be stopped as a whole and not by a terminal's signals.
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  )
  const lines: string[] = []
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>()
  let exited = false
  let exitCode: number | null = null
  let exitSignal: NodeJS.Signals | null = null
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exitSignal = signal
      exited = true
      exitCode = code
      resolve()
    }),
  )
  // 'exit' can come before the last lines are read from the pipes: 'close' comes after them.
  const drained = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const take = (chunk: Buffer, partial: { text: string }) => {
    partial.text += chunk.toString('utf8')
    const parts = partial.text.split('\n')
    partial.text = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      if (process.env.KEEPER_LOG) console.info(`[keeper] ${line}`)
      for (const waiter of waiters) {
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    }
  }
  const out = { text: '' }
  const err = { text: '' }
  child.stdout?.on('data', (chunk: Buffer) => take(chunk, out))
  child.stderr?.on('data', (chunk: Buffer) => take(chunk, err))

  return {
    dataDir,
    lines,
    get exited() {
      return exited
    },
    pid: child.pid,
    waitForLine(pattern, what, timeoutMs = 30_000) {
      const seen = lines.find((line) => pattern.test(line))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          const tail = lines.slice(-15).join('\n')
          reject(new Error(`timed out waiting for the keeper to log ${what}; last lines:\n${tail}`))
        }, timeoutMs)
        waiters.add(waiter)
        exit.then(() => {
          if (!waiters.has(waiter)) return
          waiters.delete(waiter)
          clearTimeout(timer)
          const tail = lines.slice(-15).join('\n')
          const how = exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`
          reject(
            new Error(`the keeper exited (${how}) before logging ${what}; last lines:\n${tail}`),
          )
        })
      })
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(signal === 'SIGKILL' ? -child.pid : child.pid, signal)
        } catch {
          // Gone already.
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<'late'>(
        (resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)),
      )
      const result = await Promise.race([exit, late])
      clearTimeout(timer)
      if (result === 'late') {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        throw new Error(`the keeper did not exit within ${timeoutMs} ms of ${signal}`)
      }
      // Its last lines, unless a process it started still holds the pipes (then not waited for).
      let drainTimer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        drained,
        new Promise((resolve) => (drainTimer = setTimeout(resolve, 2000))),
      ])
      clearTimeout(drainTimer)
      return exitCode
    },
  }
}

/** What `npm run keeper -- status --data <dataDir>` prints. */
export function keeperStatus(dataDir: string): string {
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'keeper', 'main.ts'), 'status', '--data', dataDir],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  )
}
