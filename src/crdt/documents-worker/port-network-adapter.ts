import {
  NetworkAdapter,
  type Message,
  type PeerId as RepoPeerId,
  type PeerMetadata,
} from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

/**
 * The documents worker's automerge-repo network: the page's mesh adapter (MeshNetworkAdapter, through
 * its RepoSide) tells of peers and hands over accepted messages; what this repo sends goes back
 * to the page, which checks access again before it goes out.
 */
export class PortNetworkAdapter extends NetworkAdapter {
  readonly #send: (message: Message) => void
  readonly #peers = new Set<PeerId>()
  #ready = false
  #readyResolve: (() => void) | undefined
  readonly #readyPromise = new Promise<void>((resolve) => (this.#readyResolve = resolve))

  constructor(send: (message: Message) => void) {
    super()
    this.#send = send
  }

  isReady(): boolean {
    return this.#ready
  }

  whenReady(): Promise<void> {
    return this.#readyPromise
  }

  connect(peerId: RepoPeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId
    if (peerMetadata) this.peerMetadata = peerMetadata
    this.#ready = true
    this.#readyResolve?.()
  }

  peerUp(peer: PeerId): void {
    // The page restarts a peer's sync by telling of it twice: the repo's state starts afresh.
    if (this.#peers.has(peer)) this.peerDown(peer)
    this.#peers.add(peer)
    this.emit('peer-candidate', {
      peerId: peer as unknown as RepoPeerId,
      peerMetadata: { isEphemeral: false },
    })
  }

  peerDown(peer: PeerId): void {
    if (!this.#peers.delete(peer)) return
    this.emit('peer-disconnected', { peerId: peer as unknown as RepoPeerId })
  }

  receive(message: Message): void {
    if (!this.#peers.has(message.senderId as unknown as PeerId)) return
    this.emit('message', message)
  }

  send(message: Message): void {
    if (!this.#peers.has(message.targetId as unknown as PeerId)) return
    this.#send(message)
  }

  disconnect(): void {
    for (const peer of [...this.#peers]) this.peerDown(peer)
    this.#ready = false
    this.emit('close')
  }
}
