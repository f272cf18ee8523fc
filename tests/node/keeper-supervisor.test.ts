import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'vitest'
import { startKeeper } from '../support/keeper-process.ts'
import { until } from '../support/until.ts'

// Nothing listens there: the keeper starts and keeps retrying the relay, on loopback only.
const RELAY = 'ws://127.0.0.1:9/relay'

// Each test starts node processes that spend most of their time starting up or waiting for
// one another, so the tests run side by side: each cleans up only what it started, through
// its own context (a concurrent test's hooks are not tracked globally).
type Cleanup = TestContext['onTestFinished']

async function dataFolder(cleanup: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keeper-supervisor-'))
  cleanup(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function supervised(
  cleanup: Cleanup,
  dataDir: string,
  args: string[],
  env: Record<string, string> = {},
) {
  const keeper = startKeeper(dataDir, args, {
    supervised: true,
    env: { PEERPLACE_KEEPER_RESTART_MS: '200,1000', ...env },
  })
  cleanup(async () => {
    await keeper.stop('SIGKILL').catch(() => {})
  })
  return keeper
}

const pidOf = (line: string) => Number(/ pid=(\d+)/.exec(line)?.[1])

describe.concurrent('npm run keeper supervises the keeper', () => {
  it('restarts a keeper that died of SIGSEGV, which then serves again', async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = await dataFolder(onTestFinished)
    const keeper = supervised(onTestFinished, dataDir, ['--relay', RELAY], {
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

  it('does not restart a keeper that cannot start as configured', async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = await dataFolder(onTestFinished)
    const keeper = supervised(onTestFinished, dataDir, ['--relay', 'http://not-a-relay'])
    await until(() => keeper.exited, 'the supervisor to give up', 30_000)
    expect(await keeper.stop()).toBe(78)
    expect(keeper.lines.join('\n')).toMatch(/a relay is a ws:\/\/ or wss:\/\/ URL/)
    expect(keeper.lines.some((line) => / keeper-crashed /.test(line))).toBe(false)
  }, 60_000)

  it('stops the keeper when the supervisor itself is killed (SIGKILL, no goodbye)', async ({
    expect,
    onTestFinished,
  }) => {
    const dataDir = await dataFolder(onTestFinished)
    const keeper = supervised(onTestFinished, dataDir, ['--relay', RELAY])
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
