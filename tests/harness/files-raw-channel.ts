/**
 * A bare RTCDataChannel between two pages, offer and answer carried by the test: the
 * baseline the file transfer benchmark compares with (64 KiB messages, sender pausing while
 * more than 8 MiB is buffered).
 */
export class RawChannel {
  #pc: RTCPeerConnection | undefined
  /** The ICE part of the connections it makes (e.g. TURN only); none by default. */
  config: RTCConfiguration = { iceServers: [] }
  #channel: RTCDataChannel | undefined
  #received = 0
  #firstAt = 0
  #lastAt = 0

  async offer(): Promise<string> {
    const pc = (this.#pc = new RTCPeerConnection(this.config))
    this.#use(pc.createDataChannel('raw', { ordered: true }))
    await pc.setLocalDescription(await pc.createOffer())
    await gathered(pc)
    return pc.localDescription!.sdp
  }

  async answer(offer: string): Promise<string> {
    const pc = (this.#pc = new RTCPeerConnection(this.config))
    pc.ondatachannel = ({ channel }) => this.#use(channel)
    await pc.setRemoteDescription({ type: 'offer', sdp: offer })
    await pc.setLocalDescription(await pc.createAnswer())
    await gathered(pc)
    return pc.localDescription!.sdp
  }

  async accept(answer: string): Promise<void> {
    await this.#pc!.setRemoteDescription({ type: 'answer', sdp: answer })
    await opened(this.#channel!)
  }

  ready(): boolean {
    return this.#channel?.readyState === 'open'
  }

  /** Sends `total` bytes as fast as the channel takes them. */
  async send(total: number): Promise<void> {
    const channel = this.#channel!
    const message = new Uint8Array(64 * 1024)
    crypto.getRandomValues(message.subarray(0, 65536))
    channel.bufferedAmountLowThreshold = 1024 * 1024
    for (let sent = 0; sent < total;) {
      if (channel.bufferedAmount > 8 * 1024 * 1024) {
        await new Promise((resolve) => (channel.onbufferedamountlow = resolve))
        continue
      }
      const size = Math.min(message.length, total - sent)
      channel.send(size === message.length ? message : message.subarray(0, size))
      sent += size
    }
  }

  received(): { bytes: number; firstAt: number; lastAt: number } {
    return { bytes: this.#received, firstAt: this.#firstAt, lastAt: this.#lastAt }
  }

  /** The local candidate type of the selected pair ('relay' through TURN), or null. */
  async candidateType(): Promise<string | null> {
    return this.#pc ? selectedLocalType(await this.#pc.getStats()) : null
  }

  close(): void {
    this.#pc?.close()
  }

  #use(channel: RTCDataChannel): void {
    this.#channel = channel
    this.#received = 0
    channel.binaryType = 'arraybuffer'
    channel.onmessage = ({ data }) => {
      const now = performance.now()
      if (this.#received === 0) this.#firstAt = now
      this.#received += (data as ArrayBuffer).byteLength
      this.#lastAt = now
    }
  }
}

/** The local candidate type of a stats report's selected candidate pair. */
export function selectedLocalType(report: RTCStatsReport): string | null {
  for (const stats of report.values() as IterableIterator<Record<string, unknown>>) {
    if (stats.type !== 'transport' || typeof stats.selectedCandidatePairId !== 'string') continue
    const pair = report.get(stats.selectedCandidatePairId) as { localCandidateId?: string }
    const local = pair?.localCandidateId ? report.get(pair.localCandidateId) : undefined
    return (local as { candidateType?: string } | undefined)?.candidateType ?? null
  }
  return null
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve()
    })
  })
}

function opened(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve()
  return new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }))
}
