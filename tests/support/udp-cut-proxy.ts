/**
 * A UDP forwarder for tests, put in front of a TURN server: each client address gets its own
 * upstream socket (TURN allocations are per 5-tuple), and `cut()` drops every datagram both ways
 * until `restore()`, like a network path that goes away while the devices' signaling stays up.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'

export interface UdpCutProxy {
  readonly port: number
  /** Datagrams (and their bytes) forwarded and dropped so far, both directions. */
  readonly counts: { forwarded: number; dropped: number; droppedBytes: number }
  cut(): void
  restore(): void
  close(): Promise<void>
}

/** Listens on 127.0.0.1 (port 0) and forwards to 127.0.0.1:`targetPort`. */
export async function startUdpCutProxy(targetPort: number): Promise<UdpCutProxy> {
  const front = createSocket('udp4')
  const upstreams = new Map<string, Socket>()
  const counts = { forwarded: 0, dropped: 0, droppedBytes: 0 }
  const drop = (data: Buffer) => {
    counts.dropped++
    counts.droppedBytes += data.length
  }
  let isCut = false

  const upstreamFor = (client: RemoteInfo): Socket => {
    const key = `${client.address}:${client.port}`
    let upstream = upstreams.get(key)
    if (upstream) return upstream
    upstream = createSocket('udp4')
    upstream.on('message', (data) => {
      if (isCut) return drop(data)
      counts.forwarded++
      front.send(data, client.port, client.address)
    })
    upstream.on('error', () => {})
    upstream.bind(0, '127.0.0.1')
    upstreams.set(key, upstream)
    return upstream
  }

  front.on('message', (data, client) => {
    if (isCut) return drop(data)
    counts.forwarded++
    upstreamFor(client).send(data, targetPort, '127.0.0.1')
  })
  front.on('error', () => {})
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve))

  return {
    port: front.address().port,
    counts,
    cut: () => void (isCut = true),
    restore: () => void (isCut = false),
    async close() {
      const sockets = [front, ...upstreams.values()]
      upstreams.clear()
      await Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
      )
    },
  }
}
