import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { carrierStatus, type CarrierStatus } from './carrier-status.ts'
import type { Signaling, SignalingEvents, SignalingKind, SignalingState } from './signaling.ts'

/** What a member may add to the Signaling contract (FailoverSignaling has both). */
interface MemberExtras {
  readonly unanswered?: boolean
  readonly endpointCount?: number
}

type Member = Signaling & MemberExtras

export interface CombinedSignalingEvents extends SignalingEvents {
  /** A member's state, answer or error changed (see `carriers`). */
  carriers: readonly CarrierStatus[]
}

/**
 * One Signaling over several that run at once (the relays and the PeerJS broker): the device
 * is present on all of them, so a member reachable on only one still meets everyone who is on
 * it. Topics are joined on every member; a peer is present while any member lists it; a dial
 * goes through the first member (in the given order) that lists the peer; pipes from any
 * member are ours. It is open while any member is open.
 *
 * A peer that comes back on a member that had reported it gone (a reload) is announced again
 * even while another member still lists it: the mesh then drops a link to its old instance.
 */
export class CombinedSignaling extends Emitter<CombinedSignalingEvents> implements Signaling {
  readonly #members: readonly Member[]
  readonly #topics = new Set<Topic>()
  /** By topic and peer: the members that list it. */
  readonly #present = new Map<Topic, Map<PeerId, Set<Member>>>()
  /** By member: `${topic}\n${peer}` it reported gone, so a return is announced again. */
  readonly #departed = new Map<Member, Set<string>>()
  readonly #unsubscribe: (() => void)[] = []
  /**
   * By member: the first error it reported since it was last open, the cause (a failover's
   * later "X closed; trying Y" says less).
   */
  readonly #errors = new Map<Member, string>()
  #state: SignalingState
  #unanswered: boolean
  #closed = false

  constructor(members: readonly Signaling[]) {
    super()
    if (members.length === 0) throw new Error('a combined signaling needs at least one member')
    this.#members = members
    for (const member of this.#members) {
      this.#departed.set(member, new Set())
      this.#unsubscribe.push(
        member.on('state', () => this.#memberState(member)),
        member.on('peer-joined', ({ topic, peer }) => this.#joined(member, topic, peer)),
        member.on('peer-left', ({ topic, peer }) => this.#left(member, topic, peer)),
        member.on('pipe', (event) => this.emit('pipe', event)),
        member.on('error', (event) => {
          if (!this.#errors.has(member)) this.#errors.set(member, event.message)
          this.emit('error', event)
          this.#carriersChanged()
        }),
      )
    }
    this.#state = this.#computeState()
    this.#unanswered = this.#computeUnanswered()
  }

  get state(): SignalingState {
    return this.#state
  }

  /** The kind of the first open member (of the first member while none is open). */
  get kind(): SignalingKind {
    return (this.#open()[0] ?? this.#members[0]!).kind
  }

  /** The open members' endpoints; all of them while none is open. */
  get endpoint(): string {
    const open = this.#open()
    return (open.length > 0 ? open : this.#members).map((m) => m.endpoint).join(' + ')
  }

  /** No member answers (see FailoverSignaling.unanswered). */
  get unanswered(): boolean {
    return this.#unanswered && !this.#closed
  }

  /** Each member with its own state and last error: one may fail while another is open. */
  get carriers(): readonly CarrierStatus[] {
    return this.#members.map((member) => carrierStatus(member, this.#errors.get(member)))
  }

  get endpointCount(): number {
    return this.#members.reduce((sum, member) => sum + (member.endpointCount ?? 1), 0)
  }

  join(topic: Topic): void {
    if (this.#closed || this.#topics.has(topic)) return
    this.#topics.add(topic)
    for (const member of this.#members) {
      member.join(topic)
      // Peers a member already lists (it was open before we joined through it) count now.
      for (const peer of member.peers(topic)) this.#joined(member, topic, peer)
    }
  }

  leave(topic: Topic): void {
    if (!this.#topics.delete(topic)) return
    for (const member of this.#members) member.leave(topic)
    const peers = this.#present.get(topic)
    this.#present.delete(topic)
    for (const peer of peers?.keys() ?? []) this.emit('peer-left', { topic, peer })
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#present.get(topic)?.keys() ?? [])]
  }

  /**
   * Dials through the first open member that lists `peer` in a topic we joined; when none
   * lists it, through every open member in order until one gives a pipe (every member, which
   * may refuse, while none is open).
   */
  async connect(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<DataPipe> {
    if (this.#closed) throw new Error('signaling is closed')
    if (options.signal?.aborted) throw abortError(peer)
    const open = this.#open()
    const listing = open.filter((member) => this.#lists(member, peer))
    const live = this.#members.filter((member) => member.state !== 'closed')
    // Where the peer is listed, the first such member carries the dial, and its failure (often
    // the path's: TURN refused, no route) is the dial's: another member would only use up the
    // dial's time on the same ICE servers, and hide the reason. The dialer tries again.
    const tried = listing.length > 0 ? listing.slice(0, 1) : open.length > 0 ? open : live
    if (tried.length === 0) throw new Error(`no signaling endpoint is open to reach ${peer}`)
    const failures: string[] = []
    let last: unknown
    for (const member of tried) {
      try {
        return await member.connect(peer, options)
      } catch (error) {
        if (options.signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
          throw error
        }
        last = error
        failures.push(`via ${member.endpoint}: ${error instanceof Error ? error.message : error}`)
      }
    }
    // One member tried: its own error, as a single signaling would give it.
    if (failures.length === 1 && last instanceof Error) throw last
    throw new Error(failures.join('; '))
  }

  /** Closes every member. Open pipes stay open. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#unsubscribe.splice(0)) off()
    for (const member of this.#members) member.close()
    this.#present.clear()
    this.#state = 'closed'
    this.emit('state', 'closed')
  }

  #open(): Member[] {
    return this.#members.filter((member) => member.state === 'open')
  }

  #lists(member: Member, peer: PeerId): boolean {
    return [...this.#topics].some((topic) => this.#present.get(topic)?.get(peer)?.has(member))
  }

  #joined(member: Member, topic: Topic, peer: PeerId): void {
    if (this.#closed || !this.#topics.has(topic)) return
    let peers = this.#present.get(topic)
    if (!peers) this.#present.set(topic, (peers = new Map()))
    let by = peers.get(peer)
    if (by?.has(member)) return
    const returned = this.#departed.get(member)!.delete(`${topic}\n${peer}`)
    const isNew = !by
    if (!by) peers.set(peer, (by = new Set()))
    by.add(member)
    if (isNew || returned) this.emit('peer-joined', { topic, peer })
  }

  #left(member: Member, topic: Topic, peer: PeerId): void {
    const peers = this.#present.get(topic)
    const by = peers?.get(peer)
    if (!peers || !by?.delete(member)) return
    const departed = this.#departed.get(member)!
    departed.add(`${topic}\n${peer}`)
    if (departed.size > 1024) departed.delete(departed.values().next().value!)
    if (by.size > 0) return
    peers.delete(peer)
    if (peers.size === 0) this.#present.delete(topic)
    this.emit('peer-left', { topic, peer })
  }

  #memberState(member: Member): void {
    if (this.#closed) return
    if (member.state === 'open') this.#errors.delete(member)
    // A member that is no longer open no longer lists anyone (failovers say so themselves).
    if (member.state !== 'open') {
      for (const [topic, peers] of [...this.#present]) {
        for (const [peer, by] of [...peers]) if (by.has(member)) this.#left(member, topic, peer)
      }
    } else {
      for (const topic of this.#topics) {
        for (const peer of member.peers(topic)) this.#joined(member, topic, peer)
      }
    }
    const state = this.#computeState()
    const unanswered = this.#computeUnanswered()
    if (state !== this.#state || unanswered !== this.#unanswered) {
      this.#state = state
      this.#unanswered = unanswered
      this.emit('state', state)
    }
    this.#carriersChanged()
  }

  #carriersChanged(): void {
    if (!this.#closed) this.emit('carriers', this.carriers)
  }

  #computeState(): SignalingState {
    if (this.#members.some((member) => member.state === 'open')) return 'open'
    if (this.#members.every((member) => member.state === 'closed')) return 'closed'
    return 'connecting'
  }

  #computeUnanswered(): boolean {
    return this.#members.every((member) => member.unanswered ?? member.state === 'closed')
  }
}

function abortError(peer: PeerId): Error {
  return Object.assign(new Error(`connect to ${peer} was aborted`), { name: 'AbortError' })
}

export function createCombinedSignaling(members: readonly Signaling[]): CombinedSignaling {
  return new CombinedSignaling(members)
}
