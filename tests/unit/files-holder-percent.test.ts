import { describe, expect, it } from 'vitest'
import { holderPercent } from '../../src/files/files-view.ts'

describe('a file holder chip', () => {
  it('agrees with the sender’s bar while the sender is sending to that holder', () => {
    // The document still says 1 chunk of 32 (published seconds ago); 62 % has been sent since.
    const published = { chunks: 1, of: 32, complete: false }
    expect(holderPercent(published, 1000, 620)).toBe(62)
  })

  it('uses the published figure when this device is not sending to the holder', () => {
    expect(holderPercent({ chunks: 8, of: 32, complete: false }, 1000, 0)).toBe(25)
  })

  it('says 100 only when the holder reports the file complete', () => {
    expect(holderPercent({ chunks: 31, of: 32, complete: false }, 1000, 1000)).toBe(99)
    expect(holderPercent({ chunks: 32, of: 32, complete: true }, 1000, 0)).toBe(100)
  })
})
