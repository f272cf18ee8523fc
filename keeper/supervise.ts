/**
 * `npm run keeper`: runs the keeper (main.ts) as a child process and restarts it when it dies
 * of a signal or crashes, as a native WebRTC crash (SIGSEGV in @roamhq/wrtc) can still end
 * it. `status` and `help` run once, unsupervised. See the README's "Keeper" section.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createKeeperLog } from './keeper-log.ts'
import { Supervisor, type ChildExit } from './supervisor.ts'

const MAIN = join(import.meta.dirname, 'main.ts')
const argv = process.argv.slice(2)
const once = argv.some((arg) => ['status', 'help', '--help', '-h'].includes(arg))

function startKeeper() {
  // The IPC channel ties the keeper to this process: if the supervisor dies, even of SIGKILL,
  // the channel closes and the keeper stops (main.ts) instead of running on unsupervised.
  const child = spawn(process.execPath, [...process.execArgv, MAIN, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<ChildExit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    exited,
    kill(signal: NodeJS.Signals) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
  }
}

const log = createKeeperLog({ write: (line) => process.stdout.write(`${line}\n`) })
const delays = (process.env.PEERPLACE_KEEPER_RESTART_MS ?? '').split(',').map(Number)
const supervisor = new Supervisor({
  start: startKeeper,
  log,
  ...(delays[0] ? { minDelayMs: delays[0] } : {}),
  ...(delays[1] ? { maxDelayMs: delays[1] } : {}),
})
if (once) {
  const exit = await startKeeper().exited
  process.exit(exit.code ?? 1)
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => supervisor.stop(signal))
}
process.exit(await supervisor.run())
