import { afterEach, describe, expect, it, vi } from 'vitest'
import { base32, base32Decode } from '../../src/lib/base32.ts'
import { fromBase64, fromBase64Url, isBase64, toBase64, toBase64Url } from '../../src/lib/base64.ts'
import { backoffDelay } from '../../src/lib/backoff.ts'
import { ByteReader, ByteWriter, DecodeError } from '../../src/lib/bytes.ts'
import { every, monotonicClock, systemClock } from '../../src/lib/clock.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import { formatBytes, formatRate, formatTimeLeft, percent } from '../../src/lib/format.ts'
import { FakeClock } from '../support/fake-clock.ts'

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

describe('base64', () => {
  it('round-trips padded base64 and refuses what is not base64', () => {
    expect(fromBase64(toBase64(ALL_BYTES))).toEqual(ALL_BYTES)
    expect(toBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=')
    expect(isBase64('+/8=')).toBe(true)
    expect(fromBase64('not base64!')).toBeUndefined()
    expect(fromBase64('abc')).toBeUndefined()
    expect(fromBase64('-_8')).toBeUndefined()
  })

  it('round-trips unpadded base64url, takes padding, and throws on anything else', () => {
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8')
    expect(fromBase64Url(toBase64Url(ALL_BYTES))).toEqual(ALL_BYTES)
    expect(fromBase64Url('-_8=')).toEqual(Uint8Array.of(0xfb, 0xff))
    expect(fromBase64Url('')).toEqual(new Uint8Array())
    expect(() => fromBase64Url('+/8')).toThrow('not base64url text')
    expect(() => fromBase64Url('abcde')).toThrow('not base64url text')
  })

  it('encodes inputs larger than one argument list', () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251)
    // Compared as one string: element-wise equality of 200 000 numbers is slow.
    expect(new TextDecoder('latin1').decode(fromBase64Url(toBase64Url(big)))).toBe(
      new TextDecoder('latin1').decode(big),
    )
  })
})

describe('base32', () => {
  it('encodes RFC 4648 lower case without padding and decodes back', () => {
    expect(base32(new TextEncoder().encode('foobar'))).toBe('mzxw6ytboi')
    const twenty = ALL_BYTES.subarray(0, 20)
    expect(base32(twenty)).toHaveLength(32)
    expect(base32Decode(base32(twenty))).toEqual(twenty)
  })
})

describe('byte frames', () => {
  it('reads back what was written, field by field', () => {
    const frame = new ByteWriter()
      .u8(7)
      .u32(0xdeadbeef)
      .f64(-1.5)
      .varint(300)
      .varint(2 ** 40)
      .string8('héllo')
      .string16('x'.repeat(300))
      .bytes(Uint8Array.of(1, 2, 3))
      .finish()
    const r = new ByteReader(frame)
    expect(r.u8('a')).toBe(7)
    expect(r.u32('b')).toBe(0xdeadbeef)
    expect(r.f64('c')).toBe(-1.5)
    expect(r.varint('d')).toBe(300)
    expect(r.varint('e')).toBe(2 ** 40)
    expect(r.string8('f')).toBe('héllo')
    expect(r.string16('g')).toBe('x'.repeat(300))
    expect(r.rest()).toEqual(Uint8Array.of(1, 2, 3))
    r.end()
  })

  it('writes small varints in one byte', () => {
    expect(new ByteWriter().varint(127).finish()).toEqual(Uint8Array.of(127))
    expect(new ByteWriter().varint(128).finish()).toEqual(Uint8Array.of(128, 1))
    expect(() => new ByteWriter().varint(-1)).toThrow(RangeError)
  })

  it('names what is missing or wrong in a DecodeError', () => {
    expect(() => new ByteReader(Uint8Array.of(1)).u32('length')).toThrow(
      new DecodeError('truncated length'),
    )
    expect(() => new ByteReader(Uint8Array.of(128, 128)).varint('size')).toThrow(DecodeError)
    expect(() => new ByteReader(new Uint8Array(8).fill(255)).varint('size')).toThrow(
      'size is too large',
    )
    expect(() => new ByteReader(Uint8Array.of(1, 0xff)).string8('name')).toThrow(
      'name is not valid UTF-8',
    )
    const left = new ByteReader(Uint8Array.of(1, 2))
    left.u8('a')
    expect(() => left.end()).toThrow('1 unexpected trailing bytes')
  })
})

describe('backoff', () => {
  const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 }

  it('grows exponentially to the cap', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
    expect(backoffDelay(5000, options, () => 0)).toBe(1000)
  })

  it('waits between half and all of the nominal delay, in whole milliseconds', () => {
    expect(backoffDelay(2, options, () => 1)).toBe(200)
    expect(backoffDelay(2, options, () => 0.5)).toBe(300)
    expect(backoffDelay(0, { initialMs: 3 }, () => 0.5)).toBe(2)
  })

  it('defaults to 500 ms doubling up to 30 s', () => {
    expect(backoffDelay(0, {}, () => 0)).toBe(500)
    expect(backoffDelay(20, {}, () => 0)).toBe(30_000)
  })
})

describe('clock', () => {
  afterEach(() => vi.useRealTimers())

  it('every() ticks until stopped', () => {
    const clock = new FakeClock()
    let ticks = 0
    const stop = every(clock, 100, () => ticks++)
    clock.advance(350)
    expect(ticks).toBe(3)
    stop()
    clock.advance(1000)
    expect(ticks).toBe(3)
  })

  it('the system clocks read Date.now and performance.now, and their timers fire', () => {
    vi.useFakeTimers({ now: 5_000_000 })
    const system = systemClock()
    const monotonic = monotonicClock()
    expect(system.now()).toBe(5_000_000)
    expect(monotonic.now()).toBe(performance.now())
    let fired = 0
    system.setTimeout(() => fired++, 10)
    const cancelled = monotonic.setTimeout(() => fired++, 10)
    monotonic.clearTimeout(cancelled)
    monotonic.clearTimeout(undefined)
    vi.advanceTimersByTime(10)
    expect(fired).toBe(1)
  })
})

describe('Emitter', () => {
  class Pinger extends Emitter<{ ping: number }> {
    ping(n: number) {
      this.emit('ping', n)
    }
  }

  it('calls listeners until they unsubscribe, and one that throws does not stop the rest', () => {
    const pinger = new Pinger()
    const seen: number[] = []
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    pinger.on('ping', () => {
      throw new Error('boom')
    })
    const off = pinger.on('ping', (n) => seen.push(n))
    pinger.ping(1)
    off()
    pinger.ping(2)
    expect(seen).toEqual([1])
    expect(error).toHaveBeenCalledTimes(2)
    error.mockRestore()
  })
})

describe('formatting', () => {
  it('formats sizes in powers of 1024, with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MB')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB')
    expect(formatBytes(2 * 1024 ** 5)).toBe('2048 TB')
    expect(formatRate(2048)).toBe('2.0 KB/s')
  })

  it('formats time left and percentages', () => {
    expect(formatTimeLeft(null)).toBe('—')
    expect(formatTimeLeft(0.2)).toBe('1 s')
    expect(formatTimeLeft(150)).toBe('3 min')
    expect(formatTimeLeft(3900)).toBe('1 h 5 min')
    expect(percent(5, 10)).toBe(50)
    expect(percent(0, null)).toBe(0)
    expect(percent(3, 0)).toBe(100)
    expect(percent(20, 10)).toBe(100)
  })
})
