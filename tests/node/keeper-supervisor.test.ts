import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startKeeper, type KeeperProcess } from '../support/keeper-process.ts'
import { until } from '../support/until.ts'

// Nothing listens there: the keeper starts and keeps retrying the relay, on loopback only.
const RELAY = 'ws://127.0.0.1:9/relay'
const started: KeeperProcess[] = []
const folders: string[] = []

afterEach(async () => {
  for (const keeper of started.splice(0)) await keeper.stop('SIGKILL').catch(() => {})
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keeper-supervisor-'))
  folders.push(dir)
  return dir
}

function supervised(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const keeper = startKeeper(dataDir, args, {
    supervised: true,
    env: { PEERPLACE_KEEPER_RESTART_MS: '200,1000', ...env },
  })
  started.push(keeper)
  return keeper
}

const pidOf = (line: string) => Number(/ pid=(\d+)/.exec(line)?.[1])

describe('npm run keeper supervises the keeper', () => {
  it('restarts a keeper that died of SIGSEGV, which then serves again', async () => {
    const dataDir = await dataFolder()
    const keeper = supervised(dataDir, ['--relay', RELAY], {
      PEERPLACE_KEEPER_TEST_CRASH: 'SIGSEGV',
    })
    const first = pidOf(await keeper.waitForLine(/ start pid=/, 'its first start'))
    const crashed = await keeper.waitForLine(/ keeper-crashed /, 'the crash report', 30_000)
    expect(crashed).toMatch(/reason="killed by SIGSEGV" restart=1 inMs=200/)
    await until(
      () => keeper.lines.filter((line) => / ready peer=/.test(line)).length === 2,
      'the restarted keeper to be ready',
      30_000,
    )
    const second = pidOf(keeper.lines.filter((line) => / start pid=/.test(line))[1] ?? '')
    expect(second).not.toBe(first)
    // It serves: the new process owns the folder and writes its status.
    await until(
      async () => {
        const status = await readFile(join(dataDir, 'status.json'), 'utf8').catch(() => '{}')
        return (JSON.parse(status) as { pid?: number }).pid === second
      },
      'the restarted keeper to write its status',
      10_000,
    )
    // SIGTERM: the keeper says goodbye, the supervisor ends and restarts nothing.
    expect(await keeper.stop('SIGTERM')).toBe(0)
    expect(keeper.lines.some((line) => / stopped/.test(line))).toBe(true)
    expect(keeper.lines.filter((line) => / keeper-crashed /.test(line))).toHaveLength(1)
  }, 90_000)

  it('does not restart a keeper that cannot start as configured', async () => {
    const dataDir = await dataFolder()
    const keeper = supervised(dataDir, ['--relay', 'http://not-a-relay'])
    await until(() => keeper.exited, 'the supervisor to give up', 30_000)
    expect(await keeper.stop()).toBe(78)
    expect(keeper.lines.join('\n')).toMatch(/a relay is a ws:\/\/ or wss:\/\/ URL/)
    expect(keeper.lines.some((line) => / keeper-crashed /.test(line))).toBe(false)
  }, 60_000)

  it('stops the keeper when the supervisor itself is killed (SIGKILL, no goodbye)', async () => {
    const dataDir = await dataFolder()
    const keeper = supervised(dataDir, ['--relay', RELAY])
    const child = pidOf(await keeper.waitForLine(/ start pid=/, 'the keeper to start'))
    await keeper.waitForLine(/ ready peer=/, 'the keeper to be ready')
    process.kill(keeper.pid!, 'SIGKILL')
    await until(() => keeper.exited, 'the supervisor to die', 10_000)
    // The keeper notices its supervisor is gone, says goodbye and frees the data folder.
    try {
      // (Its lines still come through the pipe the supervisor passed on.)
      await until(
        () => keeper.lines.some((line) => / stopping signal=supervisor-gone/.test(line)),
        'the keeper to say it stops',
        15_000,
      )
      await until(() => !alive(child), 'the keeper process to end', 15_000)
    } catch (error) {
      if (alive(child)) process.kill(child, 'SIGKILL')
      throw error
    }
    const status = JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8')) as {
      stoppedAt?: string
    }
    expect(status.stoppedAt).toBeTruthy()
  }, 60_000)
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
