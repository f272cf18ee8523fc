import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IceRestarter } from '../../src/peer/transport/ice-restarter.ts'

// A held link (its path lost while the peer is still around) restarts ICE every `retryMs`.
// Both ends notice the loss; the two cadences must not add up to twice the signaling.

/** The parts of an RTCPeerConnection the restarter reads. */
class FakePc extends EventTarget {
  iceConnectionState: RTCIceConnectionState = 'connected'
  signalingState: RTCSignalingState = 'stable'
  ice(state: RTCIceConnectionState): void {
    this.iceConnectionState = state
    this.dispatchEvent(new Event('iceconnectionstatechange'))
  }
  setLocalDescription(): Promise<void> {
    this.signalingState = 'stable'
    return Promise.resolve()
  }
}

function restarter(initiator: boolean) {
  const pc = new FakePc()
  const calls = { offers: 0, asks: 0 }
  const r = new IceRestarter(pc as unknown as RTCPeerConnection, {
    initiator,
    offerRestart: () => calls.offers++, // answered at once: signalingState stays 'stable'
    askPeer: () => calls.asks++,
    onPathChange: () => {},
    onGiveUp: () => {},
    retryMs: 2000,
  })
  r.activate()
  return { pc, r, calls }
}

beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }))
afterEach(() => void vi.useRealTimers())

describe('ICE restarter while a path is down', () => {
  it('the initiator restarts on its own cadence, not once more per ask of the peer', () => {
    const { pc, r, calls } = restarter(true)
    pc.ice('disconnected')
    expect(calls.offers).toBe(1)
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(1000)
      r.peerAsked() // the other end asks every second
    }
    expect(calls.offers).toBe(1 + 5) // 10 s at one offer per 2 s
    pc.ice('connected')
    r.peerAsked() // its path looks fine here: the peer's ask is answered
    expect(calls.offers).toBe(7)
  })

  it('the other side asks only while no restart offer comes', () => {
    const { pc, r, calls } = restarter(false)
    pc.ice('disconnected')
    expect(calls.asks).toBe(1)
    for (let i = 0; i < 5; i++) {
      r.peerOffered() // the initiator restarts by itself
      vi.advanceTimersByTime(2000)
    }
    expect(calls.asks).toBe(1)
    vi.advanceTimersByTime(4000) // its offers stopped coming: ask again
    expect(calls.asks).toBeGreaterThanOrEqual(2)
    r.close()
  })
})
