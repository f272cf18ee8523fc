/**
 * A UDP forwarder for tests, put in front of a TURN server: each client address gets its own
 * upstream socket (TURN allocations are per 5-tuple). It plays the network path between the
 * devices and TURN: `cut()` drops every datagram both ways until `restore()`, like a path that
 * goes away while the devices' signaling stays up; `impair()` makes it slow, narrow and lossy,
 * like mobile data (the kernel here has no netem).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { seededRandom } from './seeded-random.ts'

/** How the path treats each datagram, in each direction on its own. */
export interface PathConditions {
  /** Added to every datagram's trip through the proxy. */
  delayMs?: number
  /** Up to this much more, at random; datagrams still leave in the order they came. */
  jitterMs?: number
  /** The share of datagrams dropped, at random (0 to 1). */
  loss?: number
  /** The path's rate, in kilobits a second; datagrams queue behind each other. */
  rateKbps?: number
  /** The longest a datagram waits in the rate's queue before it is dropped instead. */
  queueMs?: number
  /** Seeds the randomness, so that a run can be repeated. */
  seed?: number
}

export interface UdpPathProxy {
  readonly port: number
  /** Datagrams (and their bytes) forwarded and dropped so far, both directions. */
  readonly counts: { forwarded: number; dropped: number; droppedBytes: number; lost: number }
  cut(): void
  restore(): void
  /** From now on, datagrams go as `conditions` say; `impair({})` makes the path clean again. */
  impair(conditions: PathConditions): void
  close(): Promise<void>
}

/** One direction of one client's path: its queue (for the rate) and the order of departures. */
interface Lane {
  /** When the last datagram finished going through the rate's queue. */
  busyUntil: number
  /** When the last datagram leaves the proxy: later ones never leave before it. */
  lastOut: number
}

/** Listens on 127.0.0.1 (port 0) and forwards to 127.0.0.1:`targetPort`. */
export async function startUdpPathProxy(targetPort: number): Promise<UdpPathProxy> {
  const front = createSocket('udp4')
  const upstreams = new Map<string, { socket: Socket; up: Lane; down: Lane }>()
  const counts = { forwarded: 0, dropped: 0, droppedBytes: 0, lost: 0 }
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let conditions: PathConditions = {}
  let random = seededRandom(1)
  let isCut = false
  const drop = (data: Buffer) => {
    counts.dropped++
    counts.droppedBytes += data.length
  }

  /** Sends `data` on `lane` as the conditions say: now, later, or never. */
  const pass = (data: Buffer, lane: Lane, forward: () => void) => {
    if (isCut) return drop(data)
    const { delayMs = 0, jitterMs = 0, loss = 0, rateKbps, queueMs = 400 } = conditions
    if (loss > 0 && random() < loss) {
      counts.lost++
      return drop(data)
    }
    const now = performance.now()
    let ready = now
    if (rateKbps !== undefined) {
      const start = Math.max(now, lane.busyUntil)
      if (start - now > queueMs) return drop(data)
      lane.busyUntil = start + (data.length * 8) / rateKbps
      ready = lane.busyUntil
    }
    const out = Math.max(ready + delayMs + random() * jitterMs, lane.lastOut)
    lane.lastOut = out
    counts.forwarded++
    if (out - now < 1) return forward()
    const timer = setTimeout(() => {
      timers.delete(timer)
      forward()
    }, out - now)
    timers.add(timer)
  }

  const upstreamFor = (client: RemoteInfo) => {
    const key = `${client.address}:${client.port}`
    let upstream = upstreams.get(key)
    if (upstream) return upstream
    const socket = createSocket('udp4')
    const lanes = { up: { busyUntil: 0, lastOut: 0 }, down: { busyUntil: 0, lastOut: 0 } }
    socket.on('message', (data) => {
      pass(data, lanes.down, () => front.send(data, client.port, client.address))
    })
    socket.on('error', () => {})
    socket.bind(0, '127.0.0.1')
    upstream = { socket, ...lanes }
    upstreams.set(key, upstream)
    return upstream
  }

  front.on('message', (data, client) => {
    const upstream = upstreamFor(client)
    pass(data, upstream.up, () => upstream.socket.send(data, targetPort, '127.0.0.1'))
  })
  front.on('error', () => {})
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve))

  return {
    port: front.address().port,
    counts,
    cut: () => void (isCut = true),
    restore: () => void (isCut = false),
    impair(next) {
      conditions = { ...next }
      random = seededRandom(next.seed ?? 1)
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const sockets = [front, ...[...upstreams.values()].map((u) => u.socket)]
      upstreams.clear()
      await Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
      )
    },
  }
}
