/**
 * A coturn for tests: installs Debian's `coturn` when `turnserver` is missing and we are root,
 * then starts one on loopback with a TURN REST secret (use-auth-secret), in its own process
 * group, and stops it by that group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import stun from 'stun'

export interface Coturn {
  /** e.g. "turn:127.0.0.1:41234?transport=udp" */
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

/** The path of `turnserver`, installing coturn first when missing and we may. */
export function ensureTurnserver(): string {
  const found = which('turnserver')
  if (found) return found
  if (process.getuid?.() === 0) {
    run('apt-get', ['update'])
    run('apt-get', ['install', '-y', 'coturn'])
    const installed = which('turnserver')
    if (installed) return installed
  }
  throw new Error('coturn is needed: install it (Debian: apt-get install -y coturn)')
}

/**
 * Starts coturn on 127.0.0.1 with `secret`; resolves once it answers STUN. The port is found
 * free and then given to coturn, so another program may take it in between: a start that does
 * not answer is tried again on another port, twice.
 */
export async function startCoturn(secret: string, timeoutMs = 15_000): Promise<Coturn> {
  const turnserver = ensureTurnserver()
  const errors: string[] = []
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(turnserver, secret, attempt === 0 ? timeoutMs : timeoutMs / 2)
    } catch (error) {
      errors.push((error as Error).message)
    }
  }
  throw new Error(`coturn did not start in three attempts:\n${errors.join('\n---\n')}`)
}

async function startOnce(turnserver: string, secret: string, timeoutMs: number): Promise<Coturn> {
  const port = await freeUdpPort()
  // A relay port range of its own, so parallel test files do not collide.
  const minPort = 20_000 + Math.floor(Math.random() * 400) * 100
  const child: ChildProcess = spawn(
    turnserver,
    [
      '-n',
      '--no-cli',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      '--allow-loopback-peers',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=peerplace.test',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
  const running = () => child.exitCode === null && child.signalCode === null
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name)
    } catch {
      // Already gone.
    }
  }
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!running() || child.pid === undefined) return resolve()
      const force = setTimeout(() => signal('SIGKILL'), 3000)
      child.once('exit', () => {
        clearTimeout(force)
        resolve()
      })
      signal('SIGTERM')
    })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!running()) throw new Error(`coturn exited at start:\n${output}`)
    try {
      await stun.request(`127.0.0.1:${port}`, { timeout: 200, retries: 1 })
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`coturn did not answer STUN on ${port} within ${timeoutMs} ms:\n${output}`)
      }
    }
  }
  return { url: `turn:127.0.0.1:${port}?transport=udp`, port, stop }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

function which(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  const path = result.stdout.trim()
  return result.status === 0 && path ? path : undefined
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`)
}
