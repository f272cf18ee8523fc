import type { PeerId } from '../../peer/ids.ts'

/**
 * Lends the documents worker a data channel on the link to each peer it syncs with, so that its
 * pushes skip the page (see DirectPushes). A channel can be transferred only in the task that
 * made it: so none is made while the worker is still loading (each peer up by then is lent one
 * once it listens), and one that cannot be transferred (a browser without transferable
 * channels) is closed and no other is made: pushes keep crossing the page.
 */
export class ChannelLender {
  readonly #up = new Set<PeerId>()
  #make: ((peer: PeerId) => RTCDataChannel | undefined) | undefined
  readonly #transfer: (peer: PeerId, channel: RTCDataChannel) => void
  readonly #usable: () => boolean
  #listening = false

  constructor(options: {
    /** A new channel on the link to `peer`; undefined where none can be made (or one was). */
    make?: ((peer: PeerId) => RTCDataChannel | undefined) | undefined
    /** Posts it to the worker, transferred; throws where it cannot be. */
    transfer: (peer: PeerId, channel: RTCDataChannel) => void
    /** False once the worker failed. */
    usable: () => boolean
  }) {
    this.#make = options.make
    this.#transfer = options.transfer
    this.#usable = options.usable
  }

  peerUp(peer: PeerId): void {
    this.#up.add(peer)
    if (this.#listening) this.#lend(peer)
  }

  peerDown(peer: PeerId): void {
    this.#up.delete(peer)
  }

  /** The worker listens now. */
  listening(): void {
    if (this.#listening) return
    this.#listening = true
    for (const peer of this.#up) this.#lend(peer)
  }

  #lend(peer: PeerId): void {
    if (!this.#make || !this.#usable()) return
    // Undefined for a link that has one already (the worker keeps it) or cannot make one.
    const channel = this.#make(peer)
    if (!channel) return
    try {
      this.#transfer(peer, channel)
    } catch (error) {
      console.info(`documents worker: pushes cross the page: ${String(error)}`)
      this.#make = undefined
      try {
        channel.close()
      } catch {
        // closing with its connection
      }
    }
  }
}
