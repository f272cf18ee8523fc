import { describe, expect, it } from 'vitest'
import {
  readFailure,
  readPath,
  readUnlinked,
} from '../../src/ui/diagnostics/connection-diagnosis.ts'
import { ConnectionLog } from '../../src/ui/diagnostics/connection-log.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import type { MeshEvents } from '../../src/peer/mesh/mesh.ts'
import type { SignalCarrierEvents } from '../../src/peer/signaling/signaling.ts'
import type { PeerId } from '../../src/peer/ids.ts'

describe('readPath', () => {
  it('calls a pair with a relay candidate on either end relayed', () => {
    expect(readPath({ localCandidateType: 'relay', remoteCandidateType: 'host' }).kind).toBe(
      'relayed',
    )
    expect(readPath({ localCandidateType: 'srflx', remoteCandidateType: 'relay' }).kind).toBe(
      'relayed',
    )
  })

  it('tells a same-network path from one through routers', () => {
    const lan = readPath({ localCandidateType: 'host', remoteCandidateType: 'host' })
    expect(lan).toEqual({
      kind: 'direct-local',
      label: 'Direct (same network)',
      detail: 'host ↔ host',
    })
    expect(readPath({ localCandidateType: 'srflx', remoteCandidateType: 'prflx' }).kind).toBe(
      'direct-nat',
    )
    expect(readPath({ localCandidateType: null, remoteCandidateType: null }).kind).toBe('unknown')
  })
})

describe('readFailure', () => {
  it.each([
    ['auth-failed: signature does not match the peer ID', 'auth'],
    ['timeout: silent for 3200 ms', 'silent'],
    [
      'no connection: WebRTC connection timed out after 20000 ms (turn:x:3478: TURN refused the user name/password)',
      'ice',
    ],
    ['no network path could be prepared: turn:x: server unreachable (no answer)', 'ice'],
    ['relay-only is on but no TURN server is set', 'ice'],
    ['remote-close: leaving', 'closed-by-peer'],
    ['local-close: not a member', 'closed-here'],
    ['protocol-error: 8 invalid frames; last: bad tag', 'protocol'],
    ['pipe-closed: ICE connection failed', 'dropped'],
    ['link not established (timeout): no answer', 'timeout'],
    ['no route: the peer is not present on any signaling', 'offline'],
    ['something odd', 'other'],
  ])('%s -> %s', (reason, kind) => {
    const reading = readFailure(reason)
    expect(reading.kind).toBe(kind)
    expect(reading.detail).toBe(reason)
    expect(reading.summary.length).toBeGreaterThan(5)
  })
})

describe('readUnlinked', () => {
  const base = {
    relayState: 'open' as const,
    relayEndpoint: 'relay ws://127.0.0.1:1/relay',
    presentOnRelay: true,
    reachableThroughMesh: false,
    lastFailure: null,
  }

  it('names the relay when it is down', () => {
    expect(readUnlinked({ ...base, relayState: 'connecting' })).toMatch(
      /^Relay down: relay ws:\/\/127\.0\.0\.1:1\/relay/,
    )
  })

  it('prefers a recorded failure, and says when the mesh reaches the peer', () => {
    const failure = readFailure('auth-failed: bad proof')
    expect(readUnlinked({ ...base, relayState: 'closed', lastFailure: failure })).toMatch(
      /Authentication refused/,
    )
    expect(readUnlinked({ ...base, reachableThroughMesh: true, lastFailure: failure })).toMatch(
      /through another member/,
    )
  })

  it("lets the relay's state, not a dial's 'no route', say why an absent peer is unlinked", () => {
    const lastFailure = readFailure('no route: the peer is not present on any signaling')
    expect(readUnlinked({ ...base, presentOnRelay: false, lastFailure })).toMatch(/^Not online/)
    expect(readUnlinked({ ...base, relayState: 'closed', lastFailure })).toMatch(/^Relay down/)
  })

  it('says a peer absent from the relay is not online', () => {
    expect(readUnlinked({ ...base, presentOnRelay: false })).toMatch(/Not online/)
    expect(readUnlinked(base)).toBe('Connecting…')
  })
})

class FakeMesh extends Emitter<MeshEvents> {
  fire<K extends keyof MeshEvents>(event: K, value: MeshEvents[K]) {
    this.emit(event, value)
  }
}
class FakeCarrier extends Emitter<SignalCarrierEvents> {
  fire<K extends keyof SignalCarrierEvents>(event: K, value: SignalCarrierEvents[K]) {
    this.emit(event, value)
  }
}

describe('ConnectionLog', () => {
  const peer = 'a'.repeat(32) as PeerId

  it('keeps the last failure of a peer until it links again, newest events first', () => {
    const mesh = new FakeMesh()
    const carrier = new FakeCarrier()
    let now = 1000
    const log = new ConnectionLog({ mesh, carrier }, () => now)
    let changes = 0
    log.on('change', () => changes++)

    mesh.fire('link-down', { peer, reason: 'auth-failed: bad proof' })
    expect(log.lastFailure(peer)).toEqual({ reason: 'auth-failed: bad proof', at: 1000 })
    now = 2000
    carrier.fire('error', { message: 'signaling: relay ws://x closed; trying relay ws://y' })
    carrier.fire('state', 'connecting')
    expect(log.events().map((e) => e.kind)).toEqual(['relay', 'relay-error', 'link-down'])
    mesh.fire('link-up', { peer, link: {} as never })
    expect(log.lastFailure(peer)).toBeNull()
    expect(changes).toBe(4)

    log.close()
    mesh.fire('link-down', { peer, reason: 'timeout: silent' })
    expect(log.lastFailure(peer)).toBeNull()
  })

  it("records the mesh's failed dials with their reason", () => {
    const mesh = new FakeMesh()
    const log = new ConnectionLog({ mesh, carrier: new FakeCarrier() }, () => 5)
    const reason = 'no network path could be prepared: turn:t: TURN refused the user name/password'
    mesh.fire('dial-failed', { peer, reason })
    expect(log.lastFailure(peer)).toEqual({ reason, at: 5 })
    expect(readFailure(log.lastFailure(peer)!.reason).summary).toMatch(/^TURN refused/)
  })

  it('keeps a bounded history', () => {
    const log = new ConnectionLog({ mesh: new FakeMesh(), carrier: new FakeCarrier() })
    for (let i = 0; i < 100; i++) log.failed(peer, `timeout: ${i}`)
    expect(log.events()).toHaveLength(40)
    expect(log.events()[0]!.text).toBe('timeout: 99')
  })
})
