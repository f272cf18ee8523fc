import {
  NetworkAdapter,
  type Message,
  type PeerId as RepoPeerId,
  type PeerMetadata,
} from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { PushedChanges } from '../repo/pushed-changes.ts'
import { SyncHold } from '../repo/sync-hold.ts'

/**
 * The documents worker's automerge-repo network: the page's mesh adapter (MeshNetworkAdapter, through
 * its RepoSide) tells of peers and hands over accepted messages; what this repo sends goes back
 * to the page, which checks access again before it goes out.
 *
 * With `pushed` (the pushes that carried this repo's changes to and from each peer), sync is kept
 * quiet here, in the worker, while pushes carry a document (SyncHold): the repo's sync message
 * per document, peer and 100 ms then never crosses to the page, nor is it decoded there.
 */
export class PortNetworkAdapter extends NetworkAdapter {
  readonly #send: (message: Message) => void
  readonly #peers = new Set<PeerId>()
  readonly #pushed: PushedChanges | undefined
  readonly #quiet: SyncHold | undefined
  #ready = false
  #readyResolve: (() => void) | undefined
  readonly #readyPromise = new Promise<void>((resolve) => (this.#readyResolve = resolve))

  constructor(send: (message: Message) => void, pushed?: PushedChanges) {
    super()
    this.#send = send
    this.#pushed = pushed
    this.#quiet = pushed && new SyncHold({ pushed, send: (message) => this.#wire(message) })
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

  /** The peers the repo syncs with now (the ones the page's pushes go to). */
  peers(): ReadonlySet<PeerId> {
    return this.#peers
  }

  peerUp(peer: PeerId): void {
    // The page restarts a peer's sync by telling of it twice: the repo's state starts afresh.
    if (this.#peers.has(peer)) this.peerDown(peer)
    this.#peers.add(peer)
    this.#quiet?.forget(peer)
    this.emit('peer-candidate', {
      peerId: peer as unknown as RepoPeerId,
      peerMetadata: { isEphemeral: false },
    })
  }

  peerDown(peer: PeerId): void {
    if (!this.#peers.delete(peer)) return
    this.#quiet?.forget(peer)
    this.#pushed?.forget(peer)
    this.emit('peer-disconnected', { peerId: peer as unknown as RepoPeerId })
  }

  receive(message: Message): void {
    const sender = message.senderId as unknown as PeerId
    if (!this.#peers.has(sender)) return
    this.#quiet?.received(sender, message)
    this.emit('message', message)
  }

  send(message: Message): void {
    if (!this.#peers.has(message.targetId as unknown as PeerId)) return
    if (this.#quiet) this.#quiet.outgoing(message)
    else this.#send(message)
  }

  /** Hands a message to the page, unless its peer went away while SyncHold held it. */
  #wire(message: Message): void {
    if (!this.#peers.has(message.targetId as unknown as PeerId)) return
    this.#send(message)
  }

  disconnect(): void {
    this.#quiet?.close()
    for (const peer of [...this.#peers]) this.peerDown(peer)
    this.#ready = false
    this.emit('close')
  }
}
