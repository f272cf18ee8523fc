import type { PeerId } from '../../peer/ids.ts'
import type { SignedRecord } from '../membership/record.ts'
import { recordError } from '../membership/sign.ts'
import type { JoinMessage, RefusalCode } from './join-protocol.ts'
import type { Workplace } from './workplace.ts'
import type { Workplaces } from './workplaces.ts'

export interface JoinRequest {
  workplace: string
  requester: PeerId
  name: string
  note: string
  /** The member the request came through (ourselves when it reached us directly). */
  via: PeerId
  at: number
}

/** What a newcomer is told when its join is refused. */
export const REFUSAL_MESSAGES: Record<RefusalCode, string> = {
  expired: 'This invite has expired. Ask for a new one.',
  revoked: 'This invite was revoked by an owner.',
  used: 'This invite has already been used.',
  invalid: 'This invite is not valid for this workplace.',
  'not-member': 'The device you reached is not a member of this workplace.',
  denied: 'An owner declined your request to join.',
}

/** The messages a member's end of joining answers. */
export type GateMessage = Extract<
  JoinMessage,
  { t: 'invite-join' | 'ask-join' | 'ask-forward' | 'ask-relay' }
>

export function isGateMessage(m: JoinMessage): m is GateMessage {
  return m.t === 'invite-join' || m.t === 'ask-join' || m.t === 'ask-forward' || m.t === 'ask-relay'
}

/**
 * A member's end of joining: checks a newcomer's invite and admits it, answers one already in,
 * and brings requests to join to the owners, who approve or deny them here.
 */
export class JoinGate {
  readonly #workplaces: Workplaces
  readonly #self: PeerId
  readonly #send: (peer: PeerId, message: JoinMessage) => void
  readonly #linked: () => readonly PeerId[]
  readonly #clock: () => number
  readonly #onRequests: () => void
  readonly #requests = new Map<string, JoinRequest>()

  constructor(options: {
    workplaces: Workplaces
    self: PeerId
    send: (peer: PeerId, message: JoinMessage) => void
    /** Peers this device has a link to now. */
    linked: () => readonly PeerId[]
    clock: () => number
    /** The pending requests changed. */
    onRequests: () => void
  }) {
    this.#workplaces = options.workplaces
    this.#self = options.self
    this.#send = options.send
    this.#linked = options.linked
    this.#clock = options.clock
    this.#onRequests = options.onRequests
  }

  /** Pending requests to join workplaces this device owns. */
  requests(workplace?: string): JoinRequest[] {
    return [...this.#requests.values()].filter(
      (r) =>
        (!workplace || r.workplace === workplace) &&
        !this.#workplaces.get(r.workplace)?.isMember(r.requester),
    )
  }

  async approve(workplace: string, requester: PeerId): Promise<void> {
    const wp = this.#requireWorkplace(workplace)
    await wp.add(requester)
    this.#decide(wp, requester, true)
  }

  deny(workplace: string, requester: PeerId): void {
    this.#decide(this.#requireWorkplace(workplace), requester, false)
  }

  async handle(from: PeerId, m: GateMessage): Promise<void> {
    switch (m.t) {
      case 'invite-join':
        return this.#onInvite(from, m.workplace, m.invite)
      case 'ask-join':
        return this.#onAsk({
          workplace: m.workplace,
          requester: from,
          name: m.name,
          note: m.note,
          via: this.#self,
          at: this.#clock(),
        })
      case 'ask-forward':
        if (this.#workplaces.get(m.workplace)?.isMember(from) && m.via === from) {
          this.#record({
            workplace: m.workplace,
            requester: m.requester,
            name: m.name,
            note: m.note,
            via: m.via,
            at: this.#clock(),
          })
        }
        return
      case 'ask-relay':
        if (this.#workplaces.get(m.workplace)?.isOwner(from))
          this.#send(m.requester, { ...m, t: 'ask-decision' })
        return
    }
  }

  #requireWorkplace(id: string): Workplace {
    const wp = this.#workplaces.get(id)
    if (!wp) throw new Error('unknown workplace')
    return wp
  }

  #decide(wp: Workplace, requester: PeerId, approved: boolean): void {
    const key = `${wp.id}/${requester}`
    const request = this.#requests.get(key)
    this.#requests.delete(key)
    this.#onRequests()
    const decision = {
      workplace: wp.id,
      requester,
      approved,
      rootUrl: approved ? wp.handle.url : '',
      name: wp.name,
    }
    if (this.#linked().includes(requester))
      this.#send(requester, { t: 'ask-decision', ...decision })
    if (request && request.via !== this.#self)
      this.#send(request.via, { t: 'ask-relay', ...decision })
  }

  async #onInvite(from: PeerId, workplace: string, invite: SignedRecord): Promise<void> {
    const wp = this.#workplaces.get(workplace)
    const refuse = (code: RefusalCode) =>
      this.#send(from, { t: 'join-refused', workplace, code, message: REFUSAL_MESSAGES[code] })
    // A device outside the workplace stays silent: the newcomer asks its members too.
    if (!wp?.isMember(this.#self)) return
    if (!wp.isMember(from)) {
      const code = await this.#inviteProblem(wp, invite)
      if (code) return refuse(code)
      await wp.admit(from, invite)
      if (!wp.isMember(from)) return refuse('used')
    }
    this.#send(from, { t: 'join-accepted', workplace, rootUrl: wp.handle.url, name: wp.name })
  }

  async #inviteProblem(wp: Workplace, invite: SignedRecord): Promise<RefusalCode | null> {
    if ((await recordError(invite)) !== null || invite.body.kind !== 'invite') return 'invalid'
    if (invite.body.workplace !== wp.id || !wp.isOwner(invite.body.by)) return 'invalid'
    const state = wp.membership.invites.get(invite.body.inviteId)
    if (state?.revoked) return 'revoked'
    if (this.#clock() > invite.body.expiresAt) return 'expired'
    if (state && state.uses >= state.maxUses) return 'used'
    return null
  }

  #onAsk(request: JoinRequest): void {
    const wp = this.#workplaces.get(request.workplace)
    if (!wp?.isMember(this.#self)) return
    if (wp.isMember(request.requester)) {
      this.#send(request.requester, {
        t: 'join-accepted',
        workplace: wp.id,
        rootUrl: wp.handle.url,
        name: wp.name,
      })
      return
    }
    if (wp.isOwner(this.#self)) this.#record(request)
    for (const owner of wp.members().filter((m) => m.role === 'owner' && m.peer !== this.#self)) {
      this.#send(owner.peer, {
        t: 'ask-forward',
        workplace: wp.id,
        requester: request.requester,
        name: request.name,
        note: request.note,
        via: this.#self,
      })
    }
  }

  #record(request: JoinRequest): void {
    const wp = this.#workplaces.get(request.workplace)
    if (!wp?.isOwner(this.#self) || wp.isMember(request.requester)) return
    this.#requests.set(`${request.workplace}/${request.requester}`, request)
    this.#onRequests()
  }
}
