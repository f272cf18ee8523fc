import { describe, expect, it } from 'vitest'
import { framesForMessage } from '../../src/peer/link/framing.ts'
import { decodeFrame, type Frame } from '../../src/peer/link/link-protocol.ts'
import { Reassembler } from '../../src/peer/link/reassembler.ts'
import { SendLanes } from '../../src/peer/link/send-lanes.ts'
import { seededRandom } from '../support/seeded-random.ts'

const FRAME = 1024
let messageId = 0

/** The frames of a message of `bytes` bytes on `channel`, its bytes all `tag`. */
function message(channel: string, bytes: number, tag: number): Uint8Array[] {
  return framesForMessage(channel, new Uint8Array(bytes).fill(tag), FRAME, ++messageId)
}

/** Everything the lanes hand out, in order, as the peer's link would read it. */
function drain(lanes: SendLanes): Frame[] {
  const frames: Frame[] = []
  for (let next = lanes.next(); next; next = lanes.next()) {
    const decoded = decodeFrame(next.frame)
    if (!decoded.ok) throw new Error(decoded.error)
    frames.push(decoded.frame)
  }
  return frames
}

/** The messages the peer rejoins from `frames` (tags, in arrival order); throws on a violation. */
function received(frames: Frame[]): { channel: string; tag: number }[] {
  const reassembler = new Reassembler(1 << 24)
  const out: { channel: string; tag: number }[] = []
  for (const frame of frames) {
    if (frame.type === 'data') out.push({ channel: frame.channel, tag: frame.payload[0]! })
    if (frame.type !== 'fragment') continue
    const result = reassembler.add(frame)
    if (!result.ok) throw new Error(result.error)
    if (result.message) out.push({ channel: result.message.channel, tag: result.message.data[0]! })
  }
  return out
}

describe('send lanes', () => {
  it('lets short messages and heartbeats pass a long message, one frame apart', () => {
    const lanes = new SendLanes()
    lanes.add('sync', message('am1', 40 * FRAME, 1))
    lanes.add('chat', message('ac1', 100, 2))
    lanes.add('presence', message('mesh.presence', 100, 3))
    lanes.addUrgent(message('ping', 10, 9)[0]!)
    const frames = drain(lanes)
    // The heartbeat first, then each short message after at most one fragment.
    expect(frames[0]?.type).toBe('data')
    const order = received(frames).map((m) => m.tag)
    expect(order).toEqual([9, 2, 3, 1])
    const positions = frames.flatMap((f, i) => (f.type === 'data' ? [i] : []))
    expect(positions).toEqual([0, 1, 3])
  })

  it('keeps the order of each lane, the long message holding up what follows it there', () => {
    const lanes = new SendLanes()
    lanes.add('doc-a', message('am1', 10 * FRAME, 1))
    lanes.add('doc-a', message('am1', 100, 2))
    lanes.add('doc-b', message('am1', 100, 3))
    expect(received(drain(lanes)).map((m) => m.tag)).toEqual([3, 1, 2])
  })

  it('starts the smallest long message first, but never passes one over for ever', () => {
    const lanes = new SendLanes()
    lanes.add('contacts', message('am1', 50 * FRAME, 1))
    lanes.add('chat', message('am1', 3 * FRAME, 2))
    expect(received(drain(lanes)).map((m) => m.tag)).toEqual([2, 1])

    // A stream of smaller long messages in other lanes: the big one waits at most 4 of them.
    const busy = new SendLanes()
    busy.add('big', message('am1', 50 * FRAME, 100))
    const order: number[] = []
    const reassembler = new Reassembler(1 << 24)
    let tag = 0
    for (let step = 0; step < 2000 && !order.includes(100); step++) {
      if (step % 3 === 0 && tag < 50) busy.add(`lane-${tag}`, message('am1', 2 * FRAME, tag++))
      const next = busy.next()
      if (!next) continue
      const decoded = decodeFrame(next.frame)
      if (!decoded.ok || decoded.frame.type !== 'fragment') throw new Error('not a fragment')
      const result = reassembler.add(decoded.frame)
      if (!result.ok) throw new Error(result.error)
      if (result.message) order.push(result.message.data[0]!)
    }
    expect(order).toContain(100)
    expect(order.indexOf(100)).toBeLessThanOrEqual(5)
  })

  it('hands out every frame of random traffic exactly once, each lane in order', () => {
    const random = seededRandom(11)
    const lanes = new SendLanes()
    const sent = new Map<string, number[]>()
    let tag = 0
    for (let i = 0; i < 300; i++) {
      const lane = `lane-${Math.floor(random() * 6)}`
      const bytes = random() < 0.2 ? Math.floor(random() * 8 * FRAME) + FRAME : 50
      lanes.add(lane, message(lane, bytes, tag % 256))
      sent.set(lane, [...(sent.get(lane) ?? []), tag % 256])
      tag++
      if (random() < 0.3) lanes.addUrgent(message('ping', 5, 255)[0]!)
    }
    const got = new Map<string, number[]>()
    for (const m of received(drain(lanes))) {
      if (m.channel === 'ping') continue
      got.set(m.channel, [...(got.get(m.channel) ?? []), m.tag])
    }
    expect(got).toEqual(sent)
    expect(lanes.isEmpty).toBe(true)
    expect(lanes.bytes).toBe(0)
  })

  it('tells each waiting message it was not sent when cleared', () => {
    const lanes = new SendLanes()
    const outcomes: boolean[] = []
    lanes.add('a', message('a', 3 * FRAME, 1), (handed) => outcomes.push(handed))
    lanes.add('b', message('b', 10, 2), (handed) => outcomes.push(handed))
    // The short message goes first, then a fragment of the long one.
    lanes.next()?.sent?.(true)
    lanes.next()?.sent?.(true)
    lanes.clear()
    expect(outcomes).toEqual([true, false])
    expect(lanes.isEmpty).toBe(true)
  })
})
