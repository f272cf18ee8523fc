import { next as Automerge } from '@automerge/automerge/slim'
import type { DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import { changeKey, hopMark } from '../../lib/hop-marks.ts'
import { encodePush, isPushable, parsePush, takePushedChange } from '../repo/change-push.ts'
import { PushedChanges } from '../repo/pushed-changes.ts'
import { DocumentIdCheck } from '../repo/document-id-check.ts'
import { DirectPushes } from './direct-pushes.ts'
import type { FromDocumentsWorker } from './documents-worker-protocol.ts'

/**
 * Pushed changes in the documents worker, both ways. Out: a change made here goes at once to
 * the members with a channel of the worker's own (DirectPushes), and to the page for the rest.
 * In: a push off such a channel is checked here as the page checks one off the mesh (its form,
 * the sender's access, its checksum), then taken like a push the page relays. What pushes
 * carried is noted in `pushed`, for the worker's SyncHold.
 */
export class WorkerPushes {
  /** What pushes carried to and from each peer: the network holds sync while they carry. */
  readonly pushed = new PushedChanges()
  readonly #direct: DirectPushes
  readonly #o: WorkerPushesOptions
  readonly #ids = new DocumentIdCheck()

  constructor(options: WorkerPushesOptions) {
    this.#o = options
    this.#direct = new DirectPushes({
      received: (from, data) => this.#receivedDirect(from, data),
      changed: (peers) => options.post({ t: 'direct', peers }),
      ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    })
  }

  /** Pushes the document's last change made here. */
  pushLast(handle: DocHandle<unknown>): void {
    if (!handle.isReady()) return
    const change = Automerge.getLastLocalChange(handle.doc())
    if (!change) return
    const doc = handle.documentId
    hopMark('w-push', changeKey(change))
    if (!isPushable(change)) return this.#o.post({ t: 'push', doc, change })
    const peers = [...this.#o.peers()].filter((peer) => this.#o.mayExchange(peer, doc))
    // Encoded only when a channel of its own reaches one of them (none may: a keeper, a browser
    // that cannot lend channels); the push names every recipient either way.
    const direct = peers.filter((peer) => this.#direct.reaches(peer))
    const reached =
      direct.length > 0 ? this.#direct.send(direct, encodePush(doc, change, peers)) : []
    this.#o.post({ t: 'push', doc, change, ...(reached.length > 0 ? { reached } : {}) })
    // The page pushes it to the rest of the linked members with access.
    this.pushed.pushedTo(this.#o.peers(), doc, change)
  }

  /** A push the page took off the mesh: it checked its form and the sender's access. */
  relayed(from: PeerId, doc: string, change: Uint8Array, to: readonly string[] | undefined): void {
    hopMark('w-apply', changeKey(change))
    this.#take(from, doc, change, to)
    hopMark('w-applied', changeKey(change))
  }

  /** A channel the page lent, on its link to `peer`. */
  lend(peer: PeerId, channel: RTCDataChannel): void {
    this.#direct.add(peer, channel)
  }

  close(): void {
    this.#direct.closeAll()
  }

  #receivedDirect(from: PeerId, data: Uint8Array): void {
    const parsed = parsePush(data, this.#ids)
    if (typeof parsed === 'string') {
      console.warn(`push: dropped message from ${from}: ${parsed}`)
      this.#direct.refused(from)
      return
    }
    hopMark('w-push-in', changeKey(parsed.change))
    // Not counted as malformed: the snapshot here may lag a membership change the page knows.
    if (!this.#o.mayExchange(from, parsed.doc)) {
      console.warn(`push: dropped change from ${from}: no access to that document`)
      return
    }
    if (!this.#take(from, parsed.doc, parsed.change, parsed.to)) this.#direct.refused(from)
    hopMark('w-applied', changeKey(parsed.change))
  }

  /** False when the change was refused as malformed. */
  #take(from: PeerId, doc: string, change: Uint8Array, to: readonly string[] | undefined): boolean {
    // Not open here (say, a shard this device has not heard of yet): sync brings it when asked.
    const handle = this.#o.handle(doc)
    if (!handle) return true
    const self = this.#o.self()
    return takePushedChange(
      handle,
      { from, doc, change, to },
      self && { changes: this.pushed, self },
    )
  }
}

export interface WorkerPushesOptions {
  post: (message: FromDocumentsWorker) => void
  /** The document's handle in the worker's repo, if it has one. */
  handle: (doc: string) => DocHandle<unknown> | undefined
  /** The peers the page says this repo syncs with (linked members). */
  peers: () => Iterable<PeerId>
  /** Whether `peer` is a member of the workplace that holds `doc` (as the worker knows it). */
  mayExchange: (peer: PeerId, doc: string) => boolean
  /** This device's peer ID, once started. */
  self: () => PeerId | undefined
  /** How long a lent channel waits for the peer's end (tests). */
  handshakeTimeoutMs?: number
}
