import { describe, expect, it } from 'vitest'
import { createKeeperLog } from '../../keeper/keeper-log.ts'
import {
  crashReason,
  EXIT_CONFIG,
  Supervisor,
  type ChildExit,
  type SupervisedChild,
} from '../../keeper/supervisor.ts'

/** Children that end as scripted, one per start; the last one runs until killed. */
function scripted(exits: ChildExit[]) {
  const lines: string[] = []
  const kills: NodeJS.Signals[] = []
  let starts = 0
  const start = (): SupervisedChild => {
    const exit = exits[starts++]
    let end!: (exit: ChildExit) => void
    const exited = new Promise<ChildExit>((resolve) => (end = resolve))
    if (exit) setTimeout(() => end(exit), 1)
    return {
      exited,
      kill: (signal) => {
        kills.push(signal)
        setTimeout(() => end({ code: signal === 'SIGKILL' ? null : 0, signal: null }), 1)
      },
    }
  }
  const log = createKeeperLog({ write: (line) => lines.push(line) })
  return { start, log, lines, kills, starts: () => starts }
}

const crash: ChildExit = { code: null, signal: 'SIGSEGV' }

describe('keeper supervisor', () => {
  it('tells a crash from an exit on purpose', () => {
    expect(crashReason({ code: null, signal: 'SIGSEGV' })).toBe('killed by SIGSEGV')
    expect(crashReason({ code: 1, signal: null })).toBe('exited with code 1')
    expect(crashReason({ code: 0, signal: null })).toBeUndefined()
    expect(crashReason({ code: EXIT_CONFIG, signal: null })).toBeUndefined()
  })

  it('restarts after crashes with a doubling delay up to its bound, until a clean exit', async () => {
    const child = scripted([
      crash,
      crash,
      { code: 1, signal: null },
      crash,
      { code: 0, signal: null },
    ])
    const code = await new Supervisor({ ...child, minDelayMs: 5, maxDelayMs: 12 }).run()
    expect(code).toBe(0)
    expect(child.starts()).toBe(5)
    const delays = child.lines
      .filter((line) => line.includes('keeper-crashed'))
      .map((line) => Number(/inMs=(\d+)/.exec(line)?.[1]))
    expect(delays).toEqual([5, 10, 12, 12])
    expect(child.lines.join('\n')).toMatch(/reason="exited with code 1" restart=3/)
  })

  it('gives up on a configuration error', async () => {
    const child = scripted([{ code: EXIT_CONFIG, signal: null }])
    expect(await new Supervisor({ ...child, minDelayMs: 5 }).run()).toBe(EXIT_CONFIG)
    expect(child.starts()).toBe(1)
  })

  it('passes a stop signal on and restarts nothing, also while waiting to restart', async () => {
    const running = scripted([])
    const supervisor = new Supervisor({ ...running, minDelayMs: 5 })
    const done = supervisor.run()
    supervisor.stop('SIGTERM')
    expect(await done).toBe(0)
    expect(running.kills).toEqual(['SIGTERM'])
    expect(running.starts()).toBe(1)

    const crashing = scripted([crash])
    const waiting = new Supervisor({ ...crashing, minDelayMs: 60_000 })
    const ended = waiting.run()
    await new Promise((resolve) => setTimeout(resolve, 20))
    waiting.stop('SIGINT')
    expect(await ended).toBe(0)
    expect(crashing.starts()).toBe(1)
  })
})
