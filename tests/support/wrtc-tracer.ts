import wrtc from '@roamhq/wrtc'

/**
 * @roamhq/wrtc with a watch on the native objects: every read, write or call of a property
 * backed by native code, on a peer connection after its close() or on one of its data channels
 * after the channel or its connection closed, is recorded in `touches` (with a stack line).
 * Such touches are what crashes wrtc (SIGSEGV) in the field, rarely; here they are counted.
 */
export interface TracedWrtc {
  wrtc: typeof wrtc
  touches: string[]
}

// Properties the wrapper classes serve from the native object (the `on…` handlers and
// addEventListener are plain JavaScript and safe at any time).
const PC_NATIVE = new Set([
  'signalingState',
  'iceConnectionState',
  'iceGatheringState',
  'connectionState',
  'sctp',
  'localDescription',
  'remoteDescription',
  'currentLocalDescription',
  'currentRemoteDescription',
  'getStats',
  'createDataChannel',
  'restartIce',
  'setLocalDescription',
  'setRemoteDescription',
  'addIceCandidate',
  'createOffer',
  'createAnswer',
  'getConfiguration',
  'getTransceivers',
])
const DC_NATIVE = new Set([
  'bufferedAmount',
  'bufferedAmountLowThreshold',
  'readyState',
  'send',
  'close',
  'binaryType',
  'id',
  'label',
])

export function tracedWrtc(): TracedWrtc {
  const touches: string[] = []
  const record = (what: string) => {
    const at = new Error().stack?.split('\n')[3]?.trim() ?? ''
    touches.push(`${what} ${at}`)
  }
  const Base = wrtc.RTCPeerConnection
  class TracedPeerConnection extends Base {
    constructor(config?: RTCConfiguration) {
      super(config)
      let closed = false
      const channelOf = (channel: RTCDataChannel): RTCDataChannel => {
        let channelClosed = false
        channel.addEventListener('close', () => (channelClosed = true))
        return new Proxy(channel, {
          get(target, key) {
            // Closing a closed channel again is harmless while its connection is open.
            const late = closed || (channelClosed && key !== 'close')
            if (typeof key === 'string' && DC_NATIVE.has(key) && late) {
              record(`channel.${key} after ${closed ? 'its connection' : 'it'} closed`)
            }
            if (key === 'close') return () => ((channelClosed = true), target.close())
            const value: unknown = Reflect.get(target, key, target)
            return typeof value === 'function' ? value.bind(target) : value
          },
          set(target, key, value) {
            if (typeof key === 'string' && DC_NATIVE.has(key) && (closed || channelClosed)) {
              record(`set channel.${key} after it closed`)
            }
            return Reflect.set(target, key, value, target)
          },
        })
      }
      return new Proxy(this, {
        get(target, key) {
          if (typeof key === 'string' && PC_NATIVE.has(key) && closed) {
            record(`pc.${key} after close()`)
          }
          if (key === 'close') return () => ((closed = true), target.close())
          if (key === 'createDataChannel') {
            return (label: string, init?: RTCDataChannelInit) =>
              channelOf(target.createDataChannel(label, init))
          }
          const value: unknown = Reflect.get(target, key, target)
          return typeof value === 'function' ? value.bind(target) : value
        },
        set(target, key, value) {
          return Reflect.set(target, key, value, target)
        },
      })
    }
  }
  return { wrtc: { ...wrtc, RTCPeerConnection: TracedPeerConnection } as typeof wrtc, touches }
}
