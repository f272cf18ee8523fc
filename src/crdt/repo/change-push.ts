import { next as Automerge } from '@automerge/automerge/slim'
import { cbor, type DocHandle, type Repo } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'
import { isIntactChange, isWholeChunk } from './change-chunk.ts'
import { DocumentIdCheck } from './document-id-check.ts'
import { changeKey, hopMark } from '../../lib/hop-marks.ts'
import type { AccessPolicy } from './mesh-network-adapter.ts'
import type { PushedChanges } from './pushed-changes.ts'
import { shownValue } from '../../lib/shown-value.ts'

/** The mesh channel pushed changes travel on (version 1 of the push message). */
export const CHANGE_PUSH_CHANNEL = 'ac1'
const VERSION = 1
/** Bigger changes are left to the sync protocol. */
const MAX_PUSHED_CHANGE_BYTES = 256 * 1024
/** Recipients a push may name (more are left unnamed: the receiver only learns less). */
const MAX_NAMED_RECIPIENTS = 64
/** Longer names are not peer IDs (a name that is none matches no peer, and is harmless). */
const MAX_RECIPIENT_CHARS = 64

interface PushMessage {
  v: typeof VERSION
  doc: string
  change: Uint8Array
  /**
   * Optional: every member the sender pushed this change to (the receiver among them), so the
   * receiver's sync need not carry it to them either (see SyncHold). Added within version 1:
   * a receiver that does not know it ignores it.
   */
  to?: string[]
}

/**
 * Sends a local change to the linked members at once, before automerge-repo's sync (which batches
 * changes for 100 ms and then needs a round trip) carries it. The receiver applies the change to
 * the document if it has it open; anything else (the document not open, a missing dependency,
 * a lost push) is left to the sync protocol, which stays the source of truth. Access is checked
 * both ways with the same policy as the repo's network.
 */
export class ChangePush {
  readonly #mesh: MeshPort
  readonly #policy: AccessPolicy
  readonly #repo: Repo
  readonly #pushed: PushedChanges | undefined
  readonly #ids = new DocumentIdCheck()
  readonly #off: () => void
  #side: PushSide | undefined

  constructor(options: {
    mesh: MeshPort
    policy: AccessPolicy
    repo: Repo
    /** Told which peers pushes carried which changes to (see SyncHold). */
    pushed?: PushedChanges
  }) {
    this.#mesh = options.mesh
    this.#policy = options.policy
    this.#repo = options.repo
    this.#pushed = options.pushed
    this.#off = this.#mesh.onMessage(CHANGE_PUSH_CHANNEL, ({ from, data }) =>
      this.#receive(from, data),
    )
  }

  /** Pushes the document's last change made on this device to every linked member with access. */
  push(handle: DocHandle<unknown>): void {
    if (!handle.isReady()) return
    const change = Automerge.getLastLocalChange(handle.doc())
    if (change) this.pushChange(handle.documentId, change)
  }

  /**
   * Pushes one change of a document to every linked member with access, but those in `skip`
   * (a second repo pushed it to them itself: see DirectPushes). Returns the peers it sent to.
   */
  pushChange(doc: string, change: Uint8Array, skip?: readonly string[]): PeerId[] {
    hopMark('p-push-out', changeKey(change))
    if (!isPushable(change)) return []
    const peers = this.#mesh.presence
      .linkedPeers()
      .filter((peer) => this.#policy.mayExchange(peer, doc))
    const rest = skip ? peers.filter((peer) => !skip.includes(peer)) : peers
    if (rest.length === 0) return []
    const data = encodePush(doc, change, this.#pushed && peers)
    const reached = rest.filter((peer) => this.#mesh.send(peer, CHANGE_PUSH_CHANNEL, data))
    // A second repo's document is noted there: that repo's sync is held there.
    if (!this.#side?.owns(doc)) this.#pushed?.pushedTo(reached, doc, change)
    return reached
  }

  /** Hands pushed changes to documents a second repo owns to that repo (see RepoSide). */
  attachSide(side: PushSide): void {
    this.#side = side
  }

  close(): void {
    this.#off()
  }

  #receive(from: PeerId, data: Uint8Array): void {
    const parsed = parsePush(data, this.#ids)
    if (typeof parsed === 'string') {
      console.warn(`push: dropped message from ${from}: ${parsed}`)
      return
    }
    hopMark('p-push-in', changeKey(parsed.change))
    const side = this.#side?.owns(parsed.doc) ? this.#side : undefined
    // Not open here (say, a shard this device has not heard of yet): sync brings it when asked.
    const handle = side ? undefined : this.#repo.handles[parsed.doc as keyof Repo['handles']]
    if (!side && !handle?.isReady()) return
    if (!this.#policy.mayExchange(from, parsed.doc)) {
      console.warn(`push: dropped change from ${from}: no access to that document`)
      return
    }
    // The side checks the change itself, off this thread (a hash per push).
    if (side) {
      side.applyPush(from, parsed.doc, parsed.change, parsed.to)
      return
    }
    const pushed = this.#pushed && { changes: this.#pushed, self: this.#mesh.self }
    if (handle) takePushedChange(handle, { from, ...parsed }, pushed)
  }
}

/** What a second repo offers to receive pushed changes (see RepoSide). */
export interface PushSide {
  owns(documentId: string): boolean
  /**
   * `to`: whom else the sender says it pushed the change to (as the push named them). The
   * change is whole as a chunk (`parsePush`) but its checksum is unchecked: `isIntactChange`
   * is the side's to call before it notes or applies it.
   */
  applyPush(from: PeerId, documentId: string, change: Uint8Array, to?: readonly string[]): void
}

/**
 * A push message: `to` names every member the change is pushed to (left out when there are
 * too many to name).
 */
export function encodePush(doc: string, change: Uint8Array, to?: readonly string[]): Uint8Array {
  const named = to && to.length <= MAX_NAMED_RECIPIENTS ? { to: [...to] } : {}
  return cbor.encode({ v: VERSION, doc, change, ...named } satisfies PushMessage)
}

/** Whether a change is small enough to be pushed (a bigger one is left to sync). */
export function isPushable(change: Uint8Array): boolean {
  return change.byteLength <= MAX_PUSHED_CHANGE_BYTES
}

/**
 * Takes a pushed change whose sender's access was checked, as this repo or a second one does:
 * refuses it if its checksum is wrong (returns false); else notes in `pushed` that the sender
 * has it, and so have the members it says it pushed it to, and applies it.
 */
export function takePushedChange(
  handle: DocHandle<unknown>,
  push: { from: PeerId; doc: string; change: Uint8Array; to?: readonly string[] | undefined },
  pushed: { changes: PushedChanges; self: PeerId } | undefined,
): boolean {
  if (!isIntactChange(push.change)) {
    console.warn(`push: dropped change from ${push.from}: malformed change`)
    return false
  }
  pushed?.changes.pushedBy(push.from, push.doc, push.change, push.to, pushed.self)
  applyPushedChange(handle, push.from, push.change)
  return true
}

/** Applies a pushed change to an open document; one that does not apply is left to sync. */
function applyPushedChange(
  handle: DocHandle<unknown>,
  from: PeerId | string,
  change: Uint8Array,
): void {
  if (!handle.isReady()) return
  handle.update((doc) => {
    try {
      return Automerge.applyChanges(doc, [change])[0]
    } catch (error) {
      // Decoded but not applicable (say, a reused sequence number): the document is untouched.
      console.warn(`push: could not apply change from ${from}`, error)
      return doc
    }
  })
}

/**
 * Validates a push message; returns why it is unusable, if it is. The change's checksum is not
 * checked here (`isIntactChange`, where it is applied): a push for the documents worker is
 * checked there, off the page's thread. `ids` checks the document ID (the receiver keeps one).
 */
export function parsePush(data: Uint8Array, ids: DocumentIdCheck): PushMessage | string {
  let message: unknown
  try {
    message = cbor.decode(data)
  } catch {
    return 'undecodable'
  }
  if (typeof message !== 'object' || message === null) return 'not an object'
  const { v, doc, change } = message as Partial<Record<keyof PushMessage, unknown>>
  if (v !== VERSION) return `unsupported version ${shownValue(v)}`
  if (typeof doc !== 'string' || !ids.isValid(doc)) return 'invalid document ID'
  if (!(change instanceof Uint8Array)) return 'no change'
  if (change.byteLength > MAX_PUSHED_CHANGE_BYTES) return 'change too large'
  if (!isWholeChunk(change)) return 'malformed change'
  const { to } = message as { to?: unknown }
  if (to === undefined) return { v, doc, change }
  if (
    !Array.isArray(to) ||
    to.length > MAX_NAMED_RECIPIENTS ||
    !to.every((peer) => typeof peer === 'string' && peer.length <= MAX_RECIPIENT_CHARS)
  ) {
    return 'invalid recipients'
  }
  return { v, doc, change, to: to as string[] }
}
