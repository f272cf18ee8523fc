import {
  NetworkAdapter,
  cbor,
  isRepoMessage,
  type Message,
  type PeerId as RepoPeerId,
  type PeerMetadata,
} from '@automerge/automerge-repo'
import { startTrace } from '../../lib/start-trace.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'
import type { PeerGate } from '../sync/syncer-first.ts'
import { DocumentIdCheck } from './document-id-check.ts'
import { DropLedger } from './drop-ledger.ts'
import type { RepoSide } from './repo-side.ts'
import { NeedLoopGuard } from './need-loop.ts'
import type { PushedChanges } from './pushed-changes.ts'
import { SyncEchoFilter } from './sync-echo-filter.ts'
import { SyncHold } from './sync-hold.ts'
import { decodeResyncRequest, encodeResyncRequest, RESYNC_CHANNEL } from './resync-protocol.ts'

/** The mesh channel automerge-repo's messages travel on. */
export const REPO_CHANNEL = 'am1'
/** Messages kept per held peer; more than the sync of a few hundred documents needs. */
const HELD_MESSAGES = 1000
/** Distinct (peer, document, reason) drop counts kept for diagnostics. */
const MAX_DROP_RECORDS = 200
/** A peer's sync is restarted at most this often at its request. */
const RESTART_EVERY_MS = 1000
/** Refusals that a later grant of access makes good (others are the sender's fault). */
const ACCESS_REASONS = new Set([
  'peer is not a member of any shared workplace',
  'no access to that document',
  'held too long',
])

/** What the adapter holds and has refused, for diagnosing a device that does not catch up. */
export interface RepoNetworkState {
  /** Peers the repo syncs with. */
  announced: PeerId[]
  /** Linked members the gate holds back, with how many of their messages wait. */
  held: { peer: PeerId; messages: number }[]
  /** Messages refused so far, by peer, document and reason. */
  dropped: { peer: PeerId; document: string | null; reason: string; count: number }[]
  /** Refused or withheld (peer, document) pairs not yet made good by a restarted sync. */
  owed: number
  /** Syncs restarted because a peer kept asking for changes we had counted as delivered. */
  stuckRestarts: number
  /** Sync messages not sent because they only repeated an exchange (see SyncEchoFilter). */
  echoesHeld: number
  /** Sync messages held while pushes carried their document (see SyncHold). */
  quietedByPush: number
}

export interface AccessPolicy {
  /** May this peer exchange (send or receive) anything about this document? */
  mayExchange(peer: PeerId, documentId: string): boolean
  /** May this peer be told about at all (is it a member of any workplace we hold)? */
  mayPeer(peer: PeerId): boolean
}

/**
 * automerge-repo's network over the mesh's direct links. Sync travels hop by hop, so a partial
 * mesh still converges. Access is enforced here on every message both ways, besides the repo's
 * shareConfig: a peer that is not a member of a document's workplace gets nothing and can
 * change nothing, even if it knows the document's ID. A gate may hold a member back for a while:
 * the repo learns of it only once released, and what it sends meanwhile is kept and delivered
 * then, so a held peer's requests are answered late, never lost. A message refused for lack of
 * access (membership or a document list not yet synced here) is made good once access is
 * known: the sender is asked to restart its sync with us (see DropLedger).
 */
export class MeshNetworkAdapter extends NetworkAdapter {
  readonly #mesh: MeshPort
  readonly #policy: AccessPolicy
  readonly #gate: PeerGate | undefined
  readonly #announced = new Set<PeerId>()
  readonly #waiting = new Map<PeerId, Message[]>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #dropped = new Map<string, RepoNetworkState['dropped'][number]>()
  readonly #ledger = new DropLedger()
  readonly #needLoop = new NeedLoopGuard()
  readonly #echoes = new SyncEchoFilter()
  readonly #ids = new DocumentIdCheck()
  readonly #pushed: PushedChanges | undefined
  readonly #quiet: SyncHold | undefined
  #stuckRestarts = 0
  readonly #restarts = new Map<
    PeerId,
    { at: number; timer?: ReturnType<typeof setTimeout> | undefined }
  >()
  #side: RepoSide | undefined
  #ready = false
  #readyResolve: (() => void) | undefined
  readonly #readyPromise = new Promise<void>((resolve) => (this.#readyResolve = resolve))

  /** With `pushed` (what ChangePush carried), sync stays quiet while pushes carry a document. */
  constructor(mesh: MeshPort, policy: AccessPolicy, gate?: PeerGate, pushed?: PushedChanges) {
    super()
    this.#mesh = mesh
    this.#policy = policy
    this.#gate = gate
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
    this.#unsubscribe.push(
      this.#mesh.onMessage(REPO_CHANNEL, ({ from, data }) => this.#receive(from, data)),
      this.#mesh.onMessage(RESYNC_CHANNEL, ({ from, data }) => this.#resyncAsked(from, data)),
      this.#mesh.presence.onLinkChange(() => {
        startTrace('links', this.#mesh.presence.linkedPeers().join(' '))
        this.refreshPeers()
      }),
    )
    if (this.#gate) this.#unsubscribe.push(this.#gate.onChange(() => this.refreshPeers()))
    this.#ready = true
    this.#readyResolve?.()
    this.refreshPeers()
  }

  /**
   * Lets a second repo (say, one in a worker) sync the documents it owns over this adapter: it
   * learns of the same peers, receives their messages for its documents, and sends through
   * `send` under the same access checks.
   */
  attachSide(side: RepoSide): void {
    this.#side = side
    for (const peer of this.#announced) side.peerUp(peer)
  }

  /** Re-derives which linked peers the repo may sync with; call when membership changes. */
  refreshPeers(): void {
    const wanted = new Set(
      this.#mesh.presence.linkedPeers().filter((peer) => this.#policy.mayPeer(peer)),
    )
    for (const peer of [...this.#announced]) {
      if (!wanted.has(peer)) {
        this.#announced.delete(peer)
        this.#peerDown(peer)
      }
    }
    for (const peer of this.#waiting.keys()) if (!wanted.has(peer)) this.#waiting.delete(peer)
    for (const peer of wanted) {
      if (this.#announced.has(peer)) continue
      if (this.#gate?.held(peer)) {
        startTrace('held', peer)
        continue
      }
      this.#announced.add(peer)
      this.#peerUp(peer)
      const waiting = this.#waiting.get(peer) ?? []
      this.#waiting.delete(peer)
      for (const message of waiting) this.#receive(peer, message)
    }
    this.#settle()
  }

  /** Makes good what was refused or withheld for lack of access, where access is known now. */
  #settle(): void {
    const linked = new Set(this.#mesh.presence.linkedPeers())
    for (const peer of [...this.#restarts.keys(), ...this.#ledger.peers()]) {
      if (!linked.has(peer)) this.#forgetRestart(peer)
    }
    const { ask, restart } = this.#ledger.settle(this.#announced, (peer, doc) =>
      this.#policy.mayExchange(peer, doc),
    )
    for (const [peer, docs] of ask) {
      console.info(`repo: asking ${peer} to resend ${docs.length} document(s) refused before`)
      this.#mesh.send(peer, RESYNC_CHANNEL, encodeResyncRequest(docs))
    }
    for (const peer of restart) this.reannounce(peer)
  }

  #resyncAsked(from: PeerId, data: Uint8Array): void {
    const request = decodeResyncRequest(data)
    if (typeof request === 'string') {
      console.warn(`repo: dropped a resync request from ${from}: ${request}`)
      return
    }
    // Not synced with yet: the sync that starts when it is will start afresh anyway.
    if (!this.#announced.has(from)) return
    if (!request.docs.some((doc) => this.#policy.mayExchange(from, doc))) return
    const restart = this.#restarts.get(from) ?? { at: 0 }
    this.#restarts.set(from, restart)
    if (restart.timer) return
    restart.timer = setTimeout(
      () => {
        restart.timer = undefined
        restart.at = Date.now()
        this.reannounce(from)
      },
      Math.max(0, restart.at + RESTART_EVERY_MS - Date.now()),
    )
  }

  #forgetRestart(peer: PeerId): void {
    clearTimeout(this.#restarts.get(peer)?.timer)
    this.#restarts.delete(peer)
    this.#ledger.forget(peer)
    this.#needLoop.forget(peer)
  }

  /** Restarts the repo's sync with a peer (every document, from a fresh sync state). */
  reannounce(peer: PeerId): void {
    if (!this.#announced.has(peer)) return
    // At once, past the gate: the peer was syncing, only its sync state starts afresh.
    this.#peerDown(peer)
    this.#peerUp(peer)
  }

  #peerUp(peer: PeerId): void {
    startTrace('sync-start', peer)
    this.#echoes.forget(peer)
    this.#quiet?.forget(peer)
    this.emit('peer-candidate', {
      peerId: peer as unknown as RepoPeerId,
      peerMetadata: { isEphemeral: false },
    })
    this.#side?.peerUp(peer)
  }

  #peerDown(peer: PeerId): void {
    this.#echoes.forget(peer)
    this.#quiet?.forget(peer)
    this.#pushed?.forget(peer)
    this.emit('peer-disconnected', { peerId: peer as unknown as RepoPeerId })
    this.#side?.peerDown(peer)
  }

  /** Hands an accepted message to the repo that owns its document. */
  #deliver(message: Message): void {
    if (message.documentId && this.#side?.owns(message.documentId)) this.#side.deliver(message)
    else this.emit('message', message)
  }

  /** A snapshot of the adapter's view, for sync diagnostics. */
  state(): RepoNetworkState {
    const linked = this.#mesh.presence.linkedPeers()
    return {
      announced: [...this.#announced],
      held: linked
        .filter((peer) => !this.#announced.has(peer) && this.#gate?.held(peer))
        .map((peer) => ({ peer, messages: this.#waiting.get(peer)?.length ?? 0 })),
      dropped: [...this.#dropped.values()].map((entry) => ({ ...entry })),
      owed: this.#ledger.size,
      stuckRestarts: this.#stuckRestarts,
      echoesHeld: this.#echoes.held,
      quietedByPush: this.#quiet?.held ?? 0,
    }
  }

  send(message: Message): void {
    const target = message.targetId as unknown as PeerId
    if (!this.#announced.has(target)) return
    if (message.documentId && !this.#policy.mayExchange(target, message.documentId)) {
      // The repo counts it as sent: its sync with the peer restarts once access is known.
      this.#ledger.withheld(target, message.documentId)
      return
    }
    // A second repo's sync was held where it runs (PortNetworkAdapter), with what it pushed.
    if (this.#quiet && !this.#sideOwns(message)) this.#quiet.outgoing(message)
    else this.#wire(message)
  }

  #sideOwns(message: Message): boolean {
    return message.documentId !== undefined && (this.#side?.owns(message.documentId) ?? false)
  }

  /** Puts a message on the wire, unless it only repeats an exchange. */
  #wire(message: Message): void {
    const target = message.targetId as unknown as PeerId
    // A message SyncHold held is checked again: the peer may have left or lost access since.
    if (!this.#announced.has(target)) return
    if (message.documentId && !this.#policy.mayExchange(target, message.documentId)) return
    if (!this.#echoes.shouldSend(target, message)) return
    const data = cbor.encode(message)
    startTrace('repo-out', traceOf(target, message, data))
    // Sync is ordered per document: one document's long catch-up holds up no other's.
    this.#mesh.send(target, REPO_CHANNEL, data, message.documentId)
  }

  disconnect(): void {
    this.#quiet?.close()
    for (const off of this.#unsubscribe.splice(0)) off()
    for (const peer of [...this.#restarts.keys()]) this.#forgetRestart(peer)
    for (const peer of [...this.#announced]) this.#peerDown(peer)
    this.#announced.clear()
    this.#waiting.clear()
    this.#ready = false
    this.emit('close')
  }

  #receive(from: PeerId, data: Uint8Array | Message): void {
    let message: unknown = data
    if (data instanceof Uint8Array) {
      try {
        message = cbor.decode(data)
      } catch {
        console.warn(`repo: dropped undecodable message from ${from}`)
        return
      }
    }
    if (!this.#announced.has(from) && this.#policy.mayPeer(from) && this.#gate?.held(from)) {
      this.#hold(from, message)
      return
    }
    const reason = this.#rejection(from, message)
    if (reason) {
      console.warn(`repo: dropped message from ${from}: ${reason}`)
      const document = (message as Partial<Message> | null)?.documentId ?? null
      this.#countDrop(from, document, reason)
      return
    }
    const accepted = message as Message
    startTrace('repo-in', traceOf(from, accepted, data))
    this.#echoes.received(from, accepted)
    if (!this.#sideOwns(accepted)) this.#quiet?.received(from, accepted)
    if (
      accepted.type === 'sync' &&
      accepted.data &&
      accepted.documentId &&
      this.#needLoop.stuck(from, accepted.documentId, accepted.data)
    ) {
      console.warn(`repo: sync with ${from} is stuck on ${accepted.documentId}: restarting it`)
      this.#stuckRestarts++
      this.#deliver(accepted)
      this.reannounce(from)
      return
    }
    this.#deliver(accepted)
  }

  #hold(from: PeerId, message: unknown): void {
    startTrace('repo-held', from)
    let waiting = this.#waiting.get(from)
    if (!waiting) this.#waiting.set(from, (waiting = []))
    if (waiting.length >= HELD_MESSAGES) {
      console.warn(`repo: dropped a message from ${from}: too many while it is held`)
      this.#countDrop(from, (message as Partial<Message>).documentId ?? null, 'held too long')
      return
    }
    waiting.push(message as Message)
  }

  #countDrop(peer: PeerId, document: string | null, reason: string): void {
    if (document && ACCESS_REASONS.has(reason) && this.#ids.isValid(document)) {
      this.#ledger.refused(peer, document)
    }
    const key = `${peer} ${document} ${reason}`
    const entry = this.#dropped.get(key)
    if (entry) entry.count++
    else if (this.#dropped.size < MAX_DROP_RECORDS)
      this.#dropped.set(key, { peer, document, reason, count: 1 })
  }

  #rejection(from: PeerId, message: unknown): string | null {
    if (typeof message !== 'object' || message === null) return 'not an object'
    if (!isRepoMessage(message as Message)) return 'not a repo message'
    const m = message as Message
    if ((m.senderId as unknown as string) !== from) return 'sender does not match the link'
    if (m.targetId !== this.peerId) return 'not addressed to us'
    if (!this.#announced.has(from)) return 'peer is not a member of any shared workplace'
    if ('documentId' in m && m.documentId !== undefined) {
      if (!this.#ids.isValid(m.documentId)) return 'invalid document ID'
      if (!this.#policy.mayExchange(from, m.documentId)) return 'no access to that document'
    }
    return null
  }
}

/** A repo message in a start-up trace: peer, type, document and size. */
function traceOf(peer: PeerId, message: Message, data: Uint8Array | Message): string {
  const bytes = data instanceof Uint8Array ? data.byteLength : '?'
  return `${peer.slice(0, 4)} ${message.type} ${message.documentId?.slice(0, 6) ?? '-'} ${bytes}`
}
