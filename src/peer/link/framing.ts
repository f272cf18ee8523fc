import {
  dataFrameOverhead,
  encodeFrame,
  fragmentFrameOverhead,
  MAX_FRAGMENT_COUNT,
} from './link-protocol.ts'

/**
 * The encoded frames that carry one application message: a single data frame when it fits in
 * `maxMessageSize`, else fragments just below it.
 */
export function framesForMessage(
  channel: string,
  data: Uint8Array,
  maxMessageSize: number,
  messageId: number,
): Uint8Array[] {
  if (data.length + dataFrameOverhead(channel) <= maxMessageSize) {
    return [encodeFrame({ type: 'data', channel, payload: data })]
  }
  const partSize = maxMessageSize - fragmentFrameOverhead(channel)
  if (partSize < 1) throw new RangeError(`message size ${maxMessageSize} leaves no room to send`)
  const count = Math.ceil(data.length / partSize)
  if (count > MAX_FRAGMENT_COUNT) {
    throw new RangeError(
      `a ${data.length}-byte message needs more than ${MAX_FRAGMENT_COUNT} parts`,
    )
  }
  const frames: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const bytes = data.subarray(index * partSize, (index + 1) * partSize)
    frames.push(encodeFrame({ type: 'fragment', messageId, index, count, channel, bytes }))
  }
  return frames
}
