/**
 * The contract of DataPipes (src/peer/transport/pipe.ts), whatever makes them: one ordered,
 * reliable, binary channel to one peer, side channels on the same connection, and a close
 * that both ends hear of once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { until } from './fixtures.ts'

/** Makes two connected, open pipes, one at each end of a connection. */
export type ConnectPipes = () => Promise<[DataPipe, DataPipe]>

/** Collects what a pipe receives. */
function inbox(pipe: DataPipe): Uint8Array[] {
  const got: Uint8Array[] = []
  pipe.on('message', (data) => got.push(data))
  return got
}

function closes(pipe: DataPipe): { reason: string }[] {
  const seen: { reason: string }[] = []
  pipe.on('close', (event) => seen.push(event))
  return seen
}

export function describePipeContract(name: string, connect: ConnectPipes): void {
  describe(`DataPipe contract: ${name}`, () => {
    const open: DataPipe[] = []
    const pair = async () => {
      const pipes = await connect()
      open.push(...pipes)
      return pipes
    }
    afterEach(() => {
      for (const pipe of open.splice(0)) pipe.close('test over')
    })

    it('opens both ends with crossed fingerprints and a usable message size', async () => {
      const [a, b] = await pair()
      expect(a.isOpen && b.isOpen).toBe(true)
      expect(a.fingerprints.local).toBe(b.fingerprints.remote)
      expect(a.fingerprints.remote).toBe(b.fingerprints.local)
      expect(a.fingerprints.local).not.toBe(a.fingerprints.remote)
      expect(a.maxMessageSize).toBeGreaterThanOrEqual(16 * 1024)
    })

    it('carries bytes both ways, intact and in order', async () => {
      const [a, b] = await pair()
      const [atA, atB] = [inbox(a), inbox(b)]
      const sizes = [1, 2, 100, 1000, 16 * 1024, 3, 60 * 1024, 7]
      const payloads = sizes.map((size, i) => new Uint8Array(size).fill(i + 1))
      for (const p of payloads) a.send(p)
      b.send(Uint8Array.of(42))
      await until(() => atB.length === payloads.length && atA.length === 1, 'every message')
      expect(atB.map((m) => [m.byteLength, m[0]])).toEqual(sizes.map((s, i) => [s, i + 1]))
      expect(atB.every((m, i) => m.every((byte) => byte === i + 1))).toBe(true)
      expect(atA).toEqual([Uint8Array.of(42)])
    })

    it('keeps what was sent when the caller reuses its buffer', async () => {
      const [a, b] = await pair()
      const atB = inbox(b)
      const buffer = Uint8Array.of(1, 2, 3)
      a.send(buffer)
      buffer.fill(9)
      await until(() => atB.length === 1, 'the message')
      expect(atB[0]).toEqual(Uint8Array.of(1, 2, 3))
    })

    it('drains its buffer and reports sent bytes in its statistics', async () => {
      const [a, b] = await pair()
      const atB = inbox(b)
      for (let i = 0; i < 20; i++) a.send(new Uint8Array(8 * 1024))
      await until(() => atB.length === 20 && a.bufferedAmount === 0, 'the buffer to drain')
      // Statistics are for diagnostics: WebRTC's counters may lag what was sent.
      const stats = await a.stats()
      expect(stats.bytesSent).toBeGreaterThan(0)
    })

    it('a close is heard once at both ends; sending on a closed pipe drops quietly', async () => {
      const [a, b] = await pair()
      const [closedA, closedB] = [closes(a), closes(b)]
      a.close('done here')
      await until(() => closedA.length > 0 && closedB.length > 0, 'both ends to close')
      expect(closedA).toEqual([{ reason: 'done here' }])
      expect(a.isOpen || b.isOpen).toBe(false)
      a.close('again')
      expect(() => b.send(Uint8Array.of(1))).not.toThrow()
      expect(() => a.send(Uint8Array.of(1))).not.toThrow()
      expect(closedA).toHaveLength(1)
      expect(closedB).toHaveLength(1)
    })

    it('opens a side channel when both ends ask; closing the connection closes it', async () => {
      const [a, b] = await pair()
      const [sideA, sideB] = await Promise.all([
        a.openSideChannel('bulk'),
        b.openSideChannel('bulk'),
      ])
      const atB = inbox(sideB)
      const onMain = inbox(b)
      sideA.send(Uint8Array.of(5, 6))
      await until(() => atB.length === 1, 'the side channel message')
      expect(atB).toEqual([Uint8Array.of(5, 6)])
      expect(onMain).toEqual([])
      a.close()
      await until(() => !sideA.isOpen && !sideB.isOpen, 'the side channel to close')
    })
  })
}
