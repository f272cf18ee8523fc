import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import { createMemoryConfirmedHeadsStore } from '../../src/crdt/sync/confirmed-heads-store.ts'
import { decodeHeadsReport, SYNC_STATUS_CHANNEL } from '../../src/crdt/sync/sync-protocol.ts'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import { SYNCING_SHOWN_AFTER_MS } from '../../src/ui/workplace/steady-sync.ts'
import type { MeshPort } from '../../src/peer/mesh/mesh-port.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MOVING_DOC, movingRemoteDocs, versionHead } from '../support/moving-remote-docs.ts'

const WORKPLACE = 'acme'

/** Peer IDs that sort as their numbers do: `peer(0)` is the Syncer. */
const peer = (n: number) =>
  `peer${String.fromCharCode(97 + Math.floor(n / 26), 97 + (n % 26))}`.padEnd(32, 'a') as PeerId

/**
 * One member's WorkplaceSync among `size` online members, on a mesh that only records what it
 * is asked to send; its documents (held "in a worker") move on a version at each `change()`.
 */
function member(size: number, self: number) {
  const others = Array.from({ length: size }, (_, i) => peer(i)).filter((_, i) => i !== self)
  const sent: { to: PeerId; at: number; heads: string }[] = []
  const docs = movingRemoteDocs()
  const all = [peer(self), ...others]
  const mesh = {
    self: peer(self),
    presence: {
      online: () => all,
      syncer: () => [...all].sort()[0]!,
      onOnlineChange: () => () => {},
      onLinkChange: () => () => {},
    },
    onMessage: () => () => {},
    send: (to: PeerId, channel: string, data: Uint8Array) => {
      expect(channel).toBe(SYNC_STATUS_CHANNEL)
      const report = decodeHeadsReport(data)
      if (report instanceof Error) throw report
      sent.push({ to, at: Date.now(), heads: report.heads[MOVING_DOC]![0]! })
      return true
    },
  } as unknown as MeshPort
  const sync = new WorkplaceSync({
    workplace: WORKPLACE,
    mesh,
    members: () => all,
    reach: createManualReachability(true),
    handles: () => [],
    remote: docs.remote,
    store: createMemoryConfirmedHeadsStore(),
  })
  /** Changes every 40 ms for `ms` (a busy chat): returns the reports sent meanwhile. */
  const busy = (ms: number) => {
    const from = sent.length
    for (let t = 0; t < ms; t += 40) {
      docs.change()
      vi.advanceTimersByTime(40)
    }
    return sent.slice(from)
  }
  const count = (reports: typeof sent, to: PeerId) => reports.filter((r) => r.to === to).length
  return { sync, sent, others, busy, count, version: docs.version }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('heads reports while changes go on', () => {
  // Changes every 40 ms: a report goes 250 ms after the first change since the last, so one
  // every 280 ms, about 36 in 10 s.
  it('in a group of three, go to each member every 250 ms, as the badges expect', () => {
    const m = member(3, 1)
    const reports = m.busy(10_000)
    for (const other of m.others) expect(m.count(reports, other)).toBeGreaterThanOrEqual(34)
    expect(m.sync.memberHoldMs(SYNCING_SHOWN_AFTER_MS)).toBe(SYNCING_SHOWN_AFTER_MS)
    m.sync.close()
  })

  it('in a group of twenty, go to the Syncer every 250 ms and to the rest every 2 s', () => {
    const m = member(20, 7)
    const reports = m.busy(10_000)
    const syncer = peer(0)
    expect(m.count(reports, syncer)).toBeGreaterThanOrEqual(34)
    // Every 2 s, and with the report to everyone every 5 s (at 5 and 10 s).
    for (const other of m.others.filter((p) => p !== syncer)) {
      const to = m.count(reports, other)
      expect(to).toBeGreaterThanOrEqual(5)
      expect(to).toBeLessThanOrEqual(7)
    }
    // About 16 reports a second out, not 68 (one to each of 19 members every 280 ms).
    expect(reports.length / 10).toBeLessThan(20)
    // The member list holds a member in sync through two intervals and a bit.
    expect(m.sync.memberHoldMs(SYNCING_SHOWN_AFTER_MS)).toBe(4500)
    m.sync.close()
  })

  it('once changes stop, reach every member with the last heads within an interval', () => {
    const m = member(20, 7)
    m.busy(3_030)
    const last = versionHead(m.version())
    const stoppedAt = Date.now()
    vi.advanceTimersByTime(2_300)
    for (const other of m.others) {
      const toIt = m.sent.filter((r) => r.to === other)
      const final = toIt[toIt.length - 1]!
      expect(final.heads).toBe(last)
      expect(final.at - stoppedAt).toBeLessThanOrEqual(2_250)
    }
    m.sync.close()
  })

  it('from the Syncer of a group of twenty, go to every member every 250 ms', () => {
    const m = member(20, 0)
    const reports = m.busy(5_000)
    for (const other of m.others) expect(m.count(reports, other)).toBeGreaterThanOrEqual(17)
    // Everyone reports to it that often too: its member list needs no longer hold.
    expect(m.sync.memberHoldMs(SYNCING_SHOWN_AFTER_MS)).toBe(SYNCING_SHOWN_AFTER_MS)
    m.sync.close()
  })
})
