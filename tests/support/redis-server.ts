/**
 * A redis-server for tests: finds Debian's `redis-server` (installing the package first when it
 * is missing and we are root), starts it on a free loopback port with no persistence in a
 * temporary directory, in its own process group, and stops it by that group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Stops the server (its data is gone: nothing is saved). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>
}

/**
 * The path of `redis-server`, installing Debian's package first when missing and we may;
 * undefined (with the reason printed) when there is none.
 */
export function ensureRedisServer(): string | undefined {
  const found = which('redis-server')
  if (found) return found
  if (process.getuid?.() === 0) {
    console.info('No redis-server found; installing Debian\'s "redis-server" package...')
    spawnSync('apt-get', ['update'], { stdio: 'inherit' })
    spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit' })
    const installed = which('redis-server')
    if (installed) return installed
  }
  console.warn(
    'SKIPPING the Redis relay tests: redis-server is not installed and this user cannot ' +
      'install it. Install it (Debian: apt-get install -y redis-server) to run them.',
  )
  return undefined
}

/** Starts a redis-server on a free port of 127.0.0.1; resolves once it answers PING. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
  const port = await freeTcpPort()
  const dir = mkdtempSync(join(tmpdir(), 'peerplace-redis-'))
  let child: ChildProcess | undefined
  let output = ''

  const start = async (): Promise<void> => {
    output = ''
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    const started = spawn(binary, [...args, '--dir', dir], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = started
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000)
    }
    started.stdout?.on('data', keep)
    started.stderr?.on('data', keep)
    const deadline = Date.now() + 10_000
    while (!(await answersPing(port))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited at start:\n${output}`)
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      const running = child
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve()
      const signal = (name: NodeJS.Signals): void => {
        try {
          process.kill(-running.pid!, name)
        } catch {
          // Already gone.
        }
      }
      const force = setTimeout(() => signal('SIGKILL'), 3000)
      running.once('exit', () => {
        clearTimeout(force)
        resolve()
      })
      signal('SIGTERM')
    })

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function which(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  const path = result.stdout.trim()
  return result.status === 0 && path ? path : undefined
}
