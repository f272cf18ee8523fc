import wrtc from '@roamhq/wrtc'
import { afterAll, vi } from 'vitest'
import { WebSocket } from 'ws'

/** Node's `ws` throws unhandled 'error' events; a browser's WebSocket only reports them. */
class QuietWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

/**
 * Gives peerjs the globals it reads when it is first imported (lazily, by the adapter): WebRTC
 * from @roamhq/wrtc and a WebSocket from ws. Call at a test file's top level.
 */
export function stubPeerJsGlobals(): void {
  vi.stubGlobal('RTCPeerConnection', wrtc.RTCPeerConnection)
  vi.stubGlobal('RTCSessionDescription', wrtc.RTCSessionDescription)
  vi.stubGlobal('RTCIceCandidate', wrtc.RTCIceCandidate)
  vi.stubGlobal('WebSocket', QuietWebSocket)
  afterAll(() => vi.unstubAllGlobals())
}
