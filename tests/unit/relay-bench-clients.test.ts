import { describe, expect, it } from 'vitest'
import { isHostReply, isHostRequest } from '../../bench/relay-client-host-messages.ts'
import { ClientSetupError, p99, setupFailure } from '../../bench/relay-load.ts'

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4000`), { code })
}

describe('relay bench clients', () => {
  it('tells a limit of the client process from a relay failure', () => {
    for (const code of ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL']) {
      const failure = setupFailure(errno(code))
      expect(failure.side).toBe('client-limit')
      expect(failure.message).toContain(code)
    }
    expect(setupFailure(errno('ECONNREFUSED')).side).toBe('relay')
    expect(setupFailure(errno('ECONNRESET')).side).toBe('relay')
    expect(setupFailure(new ClientSetupError('timeout', 'no welcome')).side).toBe('timeout')
  })

  it('takes the 99th percentile of all the times it is given', () => {
    const times = Array.from({ length: 200 }, (_, i) => 200 - i)
    expect(p99(times)).toBe(199)
    expect(p99([])).toBeNaN()
  })

  it('checks the messages between the bench and its client hosts', () => {
    expect(isHostRequest({ type: 'add', id: 1, clients: [{ url: 'ws://x', topic: 't0' }] })).toBe(
      true,
    )
    expect(isHostRequest({ type: 'add', id: 1, clients: [{ url: 1, topic: 't0' }] })).toBe(false)
    expect(isHostRequest({ type: 'probe', id: -1, samples: 3 })).toBe(false)
    expect(isHostRequest({ type: 'exit', id: 1 })).toBe(false)
    expect(isHostReply({ type: 'probed', id: 2, times: [1, 2] })).toBe(true)
    expect(
      isHostReply({ type: 'failed', id: 2, side: 'client-limit', message: 'm', held: 3 }),
    ).toBe(true)
    expect(isHostReply({ type: 'failed', id: 2, side: 'moon', message: 'm', held: 3 })).toBe(false)
    expect(isHostReply(null)).toBe(false)
  })
})
