import { afterEach, describe, expect, it, vi } from 'vitest'
import { ChannelLender } from '../../src/crdt/documents-worker/channel-lender.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { FakeDataChannel } from '../support/fake-data-channel.ts'

const ANN = 'ann' as PeerId
const BOB = 'bob' as PeerId
const CY = 'cy' as PeerId

function lender(options: { transferable?: boolean; usable?: () => boolean } = {}) {
  const made: [PeerId, FakeDataChannel][] = []
  const lent: PeerId[] = []
  const channels = new ChannelLender({
    make: (peer) => {
      const channel = new FakeDataChannel('docs-push')
      made.push([peer, channel])
      return channel as unknown as RTCDataChannel
    },
    transfer: (peer) => {
      if (options.transferable === false)
        throw new TypeError('Found invalid object in transferList')
      lent.push(peer)
    },
    usable: options.usable ?? (() => true),
  })
  return { channels, made, lent }
}

afterEach(() => vi.restoreAllMocks())

describe('lending the documents worker channels', () => {
  it('lends none before the worker listens, then one per peer up, in the same step as made', () => {
    const { channels, made, lent } = lender()
    channels.peerUp(ANN)
    channels.peerUp(BOB)
    channels.peerDown(BOB)
    expect(made).toEqual([])
    channels.listening()
    expect(lent).toEqual([ANN])
    channels.peerUp(CY)
    expect(lent).toEqual([ANN, CY])
    expect(made.map(([peer]) => peer)).toEqual([ANN, CY])
  })

  it('closes a channel it could not transfer and makes no more', () => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const { channels, made, lent } = lender({ transferable: false })
    channels.listening()
    channels.peerUp(ANN)
    channels.peerUp(BOB)
    expect(lent).toEqual([])
    expect(made).toHaveLength(1)
    expect(made[0]![1].readyState).toBe('closed')
  })

  it('makes none for a worker that failed', () => {
    const { channels, made } = lender({ usable: () => false })
    channels.listening()
    channels.peerUp(ANN)
    expect(made).toEqual([])
  })
})
