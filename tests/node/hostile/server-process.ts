import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SignalingServerOptions } from '../../../signaling/server.ts'

/** A signaling server running in a child process (see server-main.ts). */
export interface ServerProcess {
  readonly url: string
  readonly relayUrl: string
  /** The server process's resident set size, in bytes. */
  rss(): Promise<number>
  close(): Promise<void>
  /** Kills the process at once (SIGKILL), as a crash would; resolves once it is gone. */
  kill(): Promise<void>
}

const MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url))

export async function startServerProcess(
  options: Omit<SignalingServerOptions, 'logger' | 'port'> = {},
): Promise<ServerProcess> {
  const child = fork(MAIN, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PEERPLACE_TEST_SERVER: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await reply<{ url: string; relayUrl: string }>(child, 'ready', 20_000)
  return {
    url: ready.url,
    relayUrl: ready.relayUrl,
    async rss() {
      // Read from outside where the system allows: a busy server answers IPC late.
      const fromProc = procRss(child.pid)
      if (fromProc !== undefined) return fromProc
      child.send({ type: 'rss' })
      return (await reply<{ rss: number }>(child, 'rss', 30_000)).rss
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await exited
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.send({ type: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** VmRSS of a process from Linux's /proc, in bytes; undefined elsewhere. */
function procRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) * 1024
  } catch {
    return undefined
  }
}

function reply<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & T): void => {
      if (message.type !== type) return
      done()
      resolve(message)
    }
    const onExit = (code: number | null): void => {
      done()
      reject(new Error(`the server process exited (code ${code}) before its "${type}" reply`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`the server process sent no "${type}" reply within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
