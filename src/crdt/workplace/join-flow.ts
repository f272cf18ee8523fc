import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort, PeerMessage } from '../../peer/mesh/mesh-port.ts'
import type { EarlyJoins } from './early-invite.ts'
import type { WorkplaceLink } from './invite-link.ts'
import { JoinGate, REFUSAL_MESSAGES, isGateMessage, type JoinRequest } from './join-gate.ts'
import {
  JOIN_CHANNEL,
  decodeJoinMessage,
  encodeJoinMessage,
  type JoinMessage,
  type RefusalCode,
} from './join-protocol.ts'
import { ASKABLE, type JoinProgress, type JoinStatus } from './join-status.ts'
import type { Workplaces } from './workplaces.ts'
import { joinGroup, reachLinkMembers, workplaceTopic } from './link-members.ts'

export type { JoinProgress, JoinStatus } from './join-status.ts'
export type { JoinRequest } from './join-gate.ts'

interface ActiveJoin {
  link: WorkplaceLink
  asked: Set<PeerId>
  status: JoinStatus
  since: number
  rounds: number
  /** The root being fetched, once a member let this device in. */
  rootUrl?: string
}

export interface JoinFlowEvents extends Record<string, unknown> {
  status: JoinStatus
  /** A finished join's status was dismissed: `status(workplace)` is undefined now. */
  cleared: string
  requests: void
}

/**
 * Joining a workplace, from both ends: a newcomer presenting an invite or asking to join (here),
 * and a member checking the invite, admitting, or passing the request to the owners who decide
 * (the JoinGate).
 */
export class JoinFlow extends Emitter<JoinFlowEvents> {
  readonly #workplaces: Workplaces
  readonly #mesh: MeshPort
  readonly #displayName: () => string
  readonly #clock: () => number
  readonly #early: EarlyJoins | undefined
  /** Joins in progress on this device, by workplace. */
  readonly #active = new Map<string, ActiveJoin>()
  readonly #gate: JoinGate

  readonly #retryMs: number
  readonly #giveUpAfterMs: number
  #retry: ReturnType<typeof setInterval> | undefined
  #closed = false

  /** Stops asking again for joins in progress. */
  close(): void {
    this.#closed = true
    clearInterval(this.#retry)
    this.#retry = undefined
  }

  constructor(options: {
    retryMs?: number
    /**
     * A join that has reached no device at all for this long stops (status 'cancelled' with
     * `unreachedForMs`) so the screen can say so and offer to try again. Default 60 s.
     */
    giveUpAfterMs?: number
    workplaces: Workplaces
    mesh: MeshPort
    displayName: () => string
    clock?: () => number
    /** What an invite presented before this flow existed got (see EarlyInvite). */
    early?: EarlyJoins
  }) {
    super()
    this.#workplaces = options.workplaces
    this.#mesh = options.mesh
    this.#displayName = options.displayName
    this.#clock = options.clock ?? (() => Date.now())
    this.#early = options.early
    this.#gate = new JoinGate({
      workplaces: this.#workplaces,
      self: this.#mesh.self,
      send: (peer, message) => this.#send(peer, message),
      linked: () => this.#mesh.presence.linkedPeers(),
      clock: this.#clock,
      onRequests: () => this.emit('requests', undefined),
    })
    this.#mesh.onMessage(JOIN_CHANNEL, (message) => this.#receive(message))
    this.#mesh.presence.onLinkChange(({ peer, up }) => {
      for (const join of this.#active.values()) {
        // A message on a link that then dropped (say, the loser of two simultaneous dials) may
        // be lost: ask again on the next link.
        if (!up) join.asked.delete(peer)
        else this.#approach(join, peer)
        this.#progress(join)
      }
    })
    this.#retryMs = options.retryMs ?? 4000
    this.#giveUpAfterMs = options.giveUpAfterMs ?? 60_000
  }

  /**
   * Until someone answers, the linked peers are asked again now and then (answers are
   * idempotent), while some join is connecting or asking: a device joining nothing is not woken.
   */
  #keepAsking(): void {
    if (this.#closed || this.#retry !== undefined) return
    this.#retry = setInterval(() => this.#askAgain(), this.#retryMs)
  }

  #askAgain(): void {
    let asking = false
    for (const join of this.#active.values()) {
      if (join.status.state !== 'connecting' && join.status.state !== 'asking') continue
      const waited = this.#clock() - join.since
      if (join.asked.size === 0 && waited >= this.#giveUpAfterMs) {
        this.#giveUp(join, waited)
        continue
      }
      asking = true
      join.asked.clear()
      join.rounds++
      for (const peer of this.#mesh.presence.linkedPeers()) this.#approach(join, peer)
      this.#progress(join)
    }
    if (asking) return
    clearInterval(this.#retry)
    this.#retry = undefined
  }

  status(workplace: string): JoinStatus | undefined {
    return this.#active.get(workplace)?.status
  }

  /** Starts joining with an invite link (admits) or a public link (asks the owners). */
  start(link: WorkplaceLink): void {
    const early = link.invite ? this.#early?.take(link.workplace) : undefined
    if (this.#workplaces.get(link.workplace)?.isMember(this.#mesh.self)) {
      // The page may have started reaching the link's members before it knew (create-shell.ts).
      this.#mesh.setGroup(joinGroup(link.workplace), [])
      this.#setStatus({ state: 'joined', workplace: link.workplace, name: link.name })
      return
    }
    const join: ActiveJoin = {
      link,
      asked: new Set<PeerId>(),
      since: this.#clock(),
      rounds: 1,
      status: {
        state: link.invite ? 'connecting' : 'asking',
        workplace: link.workplace,
        name: link.name,
        progress: { since: this.#clock(), reached: 0, rounds: 1, decidedBy: 'member' },
      },
    }
    this.#active.set(link.workplace, join)
    reachLinkMembers(this.#mesh, link)
    // Those the page presented the invite to already are not asked twice; their answers (some
    // may have come before this flow existed) are handled now, checked as any other.
    for (const peer of early?.asked ?? []) join.asked.add(peer)
    for (const peer of this.#mesh.presence.linkedPeers()) this.#approach(join, peer)
    this.#progress(join, true)
    for (const answer of early?.answers ?? []) this.#receive(answer)
    this.#keepAsking()
  }

  /** Stops a join in progress; its status stays `cancelled` until retried or dismissed. */
  cancel(workplace: string): void {
    const join = this.#active.get(workplace)
    if (!join || join.status.state === 'joined' || join.status.state === 'joining') return
    this.#stopLooking(workplace)
    this.#setStatus((join.status = { state: 'cancelled', workplace, name: join.status.name }))
  }

  /** Stops a join that reached nobody; the screen says why and offers to try again. */
  #giveUp(join: ActiveJoin, waited: number): void {
    const { workplace } = join.link
    this.#stopLooking(workplace)
    join.status = { state: 'cancelled', workplace, name: join.status.name, unreachedForMs: waited }
    this.#setStatus(join.status)
  }

  /** Starts a cancelled or refused join again with the same link. */
  retry(workplace: string): void {
    const join = this.#active.get(workplace)
    if (join?.status.state !== 'cancelled' && join?.status.state !== 'refused') return
    this.start({ ...join.link, name: join.status.name })
  }

  /** Gives up on the link's invite and asks the workplace's owners to let this device in. */
  askInstead(workplace: string): void {
    const join = this.#active.get(workplace)
    if (!join || join.status.state === 'joined' || join.status.state === 'joining') return
    const { invite: _unused, ...link } = join.link
    this.start({ ...link, name: join.status.name })
  }

  /** Forgets a finished, refused or cancelled join's status (the screen's banner goes). */
  dismiss(workplace: string): void {
    const join = this.#active.get(workplace)
    if (!join || join.status.state === 'connecting' || join.status.state === 'asking') return
    if (join.status.state === 'joining') return
    this.#active.delete(workplace)
    this.emit('cleared', workplace)
  }

  /** Pending requests to join workplaces this device owns. */
  requests(workplace?: string): JoinRequest[] {
    return this.#gate.requests(workplace)
  }

  approve(workplace: string, requester: PeerId): Promise<void> {
    return this.#gate.approve(workplace, requester)
  }

  deny(workplace: string, requester: PeerId): void {
    this.#gate.deny(workplace, requester)
  }

  #approach(
    join: { link: WorkplaceLink; asked: Set<PeerId>; status: JoinStatus },
    peer: PeerId,
  ): void {
    if (join.asked.has(peer) || join.status.state === 'joined' || join.status.state === 'joining')
      return
    join.asked.add(peer)
    const { workplace } = join.link
    const name = this.#displayName()
    if (join.link.invite)
      this.#send(peer, { t: 'invite-join', workplace, invite: join.link.invite, name })
    else this.#send(peer, { t: 'ask-join', workplace, name, note: '' })
  }

  #receive({ from, data }: PeerMessage): void {
    const message = decodeJoinMessage(data)
    if (message instanceof Error)
      console.warn(`join: dropped a message from ${from}: ${message.message}`)
    else void this.#handle(from, message).catch((e) => console.error('join: handling failed', e))
  }

  async #handle(from: PeerId, m: JoinMessage): Promise<void> {
    if (isGateMessage(m)) return this.#gate.handle(from, m)
    switch (m.t) {
      case 'join-accepted':
      case 'ask-decision':
        return this.#onAdmitted(from, m)
      case 'join-refused':
        // Only a member's answer settles a join; one device not being in it says nothing.
        if (m.code === 'not-member') return
        return this.#refuse(m.workplace, m.code, m.message)
    }
  }

  async #onAdmitted(
    from: PeerId,
    m: Extract<JoinMessage, { t: 'join-accepted' | 'ask-decision' }>,
  ): Promise<void> {
    const join = this.#active.get(m.workplace)
    const { state } = join?.status ?? { state: 'cancelled' }
    // Another member letting us in while the root is on its way may serve it too.
    if (state === 'joining' && m.rootUrl === join?.rootUrl)
      this.#workplaces.trustRootWhileJoining(m.rootUrl, from)
    if (!join || state === 'joined' || state === 'joining' || state === 'cancelled') return
    if (m.t === 'ask-decision' && !m.approved)
      return this.#refuse(m.workplace, 'denied', REFUSAL_MESSAGES.denied)
    this.#setStatus((join.status = { state: 'joining', workplace: m.workplace, name: m.name }))
    join.rootUrl = m.rootUrl
    try {
      const wp = await this.#workplaces.adopt(m.workplace, m.rootUrl, m.name, from)
      if (!wp.isMember(this.#mesh.self)) {
        await this.#workplaces.forget(m.workplace)
        return this.#refuse(m.workplace, 'invalid', 'The workplace did not list you as a member.')
      }
      this.#mesh.setGroup(joinGroup(m.workplace), [])
      this.#setStatus((join.status = { state: 'joined', workplace: m.workplace, name: wp.name }))
    } catch (error) {
      join.status = {
        state: 'connecting',
        workplace: m.workplace,
        name: m.name,
        progress: this.#progressOf(join),
      }
      join.asked.delete(from)
      this.#refuse(
        m.workplace,
        'invalid',
        `Could not fetch the workplace: ${(error as Error).message}`,
      )
    }
  }

  #refuse(workplace: string, code: RefusalCode, message: string): void {
    const join = this.#active.get(workplace)
    if (!join || join.status.state === 'joined' || join.status.state === 'cancelled') return
    this.#mesh.setGroup(joinGroup(workplace), [])
    const canAsk = join.link.invite !== undefined && ASKABLE.has(code)
    this.#setStatus(
      (join.status = {
        state: 'refused',
        workplace,
        name: join.status.name,
        code,
        message,
        canAsk,
      }),
    )
  }

  /** Tells the screen how a join that is still looking has got on (never silent). */
  #progress(join: ActiveJoin, force = false): void {
    const { state } = join.status
    if (!force && state !== 'connecting' && state !== 'asking') return
    this.#setStatus(
      (join.status = {
        state: join.link.invite ? 'connecting' : 'asking',
        workplace: join.link.workplace,
        name: join.status.name,
        progress: this.#progressOf(join),
      }),
    )
  }

  #progressOf(join: ActiveJoin): JoinProgress {
    return {
      since: join.since,
      reached: join.asked.size,
      rounds: join.rounds,
      decidedBy: join.link.invite ? 'member' : 'owner',
    }
  }

  #stopLooking(workplace: string): void {
    this.#mesh.setGroup(joinGroup(workplace), [])
    if (!this.#workplaces.get(workplace)) this.#mesh.leave(workplaceTopic(workplace))
  }

  #setStatus(status: JoinStatus): void {
    this.emit('status', status)
  }

  #send(peer: PeerId, message: JoinMessage): void {
    this.#mesh.send(peer, JOIN_CHANNEL, encodeJoinMessage(message))
  }
}
