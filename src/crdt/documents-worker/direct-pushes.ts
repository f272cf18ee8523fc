import type { PeerId } from '../../peer/ids.ts'
import { ChannelPipe, type PipeConnection } from '../../peer/transport/channel-pipe.ts'

/** The label both pages make the channel with: its negotiated ID derives from it. */
export const DOCS_PUSH_LABEL = 'docs-push'
/**
 * How long a channel waits for the peer's end. The peer's page lends its end once this device
 * is up there, which a returning device's sync gate may hold back for a while.
 */
const HANDSHAKE_TIMEOUT_MS = 60_000
/** Bigger pushes take the page's path, where the link splits them. */
export const MAX_DIRECT_PUSH_BYTES = 64 * 1024
/** A channel with more than this queued is passed over: the page's path takes the push. */
const MAX_QUEUED_BYTES = 1024 * 1024
/**
 * Malformed pushes a peer may send on its channel before it is closed: a working peer sends
 * none, and a hostile one must not keep this worker decoding and hashing what it makes up.
 */
export const MAX_REFUSED_PUSHES = 20

/** A lent channel has no connection here: the page keeps that; the channel closes with it. */
const NO_CONNECTION: PipeConnection = {
  maxMessageSize: MAX_DIRECT_PUSH_BYTES,
  fingerprints: { local: '', remote: '' },
  openSideChannel: () => Promise.reject(new Error('a lent channel has no connection here')),
  stats: () => Promise.reject(new Error('a lent channel has no connection here')),
}

/**
 * The documents worker's own channels to other members' documents workers, one per link: a
 * change pushed on one skips both pages' task queues (busy rendering on a slow phone), where
 * the page's path waits in each. The page lends each channel (MeshPort.openRawChannel) with the
 * peer its link proved; the two ends handshake (ChannelPipe) before either sends. Pushes are
 * the only traffic, and a lost one costs what any lost push costs: sync carries the change.
 */
export class DirectPushes {
  readonly #pipes = new Map<PeerId, ChannelPipe>()
  /** Malformed pushes each peer sent on its current channel. */
  readonly #refused = new Map<PeerId, number>()
  readonly #received: (from: PeerId, data: Uint8Array) => void
  readonly #changed: (open: PeerId[]) => void
  readonly #handshakeTimeoutMs: number

  constructor(options: {
    /** A message from `from` (not yet validated). */
    received: (from: PeerId, data: Uint8Array) => void
    /** The peers with an open channel changed. */
    changed?: (open: PeerId[]) => void
    handshakeTimeoutMs?: number
  }) {
    this.#received = options.received
    this.#changed = options.changed ?? (() => {})
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
  }

  /** Takes a channel to `peer` (a new link's); one of an earlier link is closed. */
  add(peer: PeerId, channel: RTCDataChannel): void {
    const previous = this.#pipes.get(peer)
    const pipe = new ChannelPipe(channel, NO_CONNECTION, {
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      onClosed: (reason) => {
        if (this.#pipes.get(peer) !== pipe) return
        this.#pipes.delete(peer)
        this.#refused.delete(peer)
        console.info(`direct pushes: channel to ${peer} closed: ${reason}`)
        this.#changed(this.open())
      },
    })
    this.#pipes.set(peer, pipe)
    this.#refused.delete(peer)
    pipe.on('message', (data) => this.#received(peer, data))
    pipe.on('open', () => this.#changed(this.open()))
    if (!previous) return
    const wasOpen = previous.isOpen
    previous.close('a newer link replaced it')
    if (wasOpen) this.#changed(this.open())
  }

  /** Whether `peer`'s channel is open (handshake done). */
  reaches(peer: PeerId): boolean {
    return this.#pipes.get(peer)?.isOpen ?? false
  }

  /** The peers whose channel is open (handshake done). */
  open(): PeerId[] {
    return [...this.#pipes].filter(([, pipe]) => pipe.isOpen).map(([peer]) => peer)
  }

  /** Sends `data` to each of `peers` whose channel is open and not backed up; returns those. */
  send(peers: readonly PeerId[], data: Uint8Array): PeerId[] {
    if (data.byteLength > MAX_DIRECT_PUSH_BYTES) return []
    return peers.filter((peer) => {
      const pipe = this.#pipes.get(peer)
      if (!pipe?.isOpen || pipe.bufferedAmount > MAX_QUEUED_BYTES) return false
      pipe.send(data)
      // A send that failed closed the pipe.
      return pipe.isOpen
    })
  }

  /** `peer` sent a malformed push: its channel closes once it sent too many. */
  refused(peer: PeerId): void {
    const count = (this.#refused.get(peer) ?? 0) + 1
    this.#refused.set(peer, count)
    if (count >= MAX_REFUSED_PUSHES) {
      console.warn(`direct pushes: closing the channel to ${peer}: ${count} malformed pushes`)
      this.#pipes.get(peer)?.close('too many malformed pushes')
    }
  }

  closeAll(): void {
    const pipes = [...this.#pipes.values()]
    this.#pipes.clear()
    for (const pipe of pipes) pipe.close('the documents worker is shutting down')
  }
}
