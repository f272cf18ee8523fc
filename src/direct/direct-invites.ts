import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import type { InviteMessage } from './direct-model.ts'
import type { InvitableWorkplace, WorkplaceInvites } from './direct-ports.ts'

export interface DirectInvitesEvents extends Record<string, unknown> {
  change: void
}

/** Sends an invite message into a conversation (kept, queued and acked like any message). */
export type SendInvite = (peer: PeerId, workplace: string, url: string) => Promise<void>

/**
 * Invites into workplaces over direct conversations: the workplaces this device may invite
 * into (connected once the workplaces have loaded), sending one's link, and joining from one.
 */
export class DirectInvites extends Emitter<DirectInvitesEvents> {
  readonly #send: SendInvite
  #workplaces: WorkplaceInvites | undefined
  #off: (() => void) | undefined

  constructor(send: SendInvite) {
    super()
    this.#send = send
  }

  /** Connects the workplaces (see `workplaceInvites`), or disconnects them. */
  setWorkplaces(workplaces: WorkplaceInvites | undefined): void {
    this.#off?.()
    this.#workplaces = workplaces
    this.#off = workplaces?.on('change', () => this.emit('change', undefined))
    this.emit('change', undefined)
  }

  /** Workplaces this device may invite into. */
  workplaces(): readonly InvitableWorkplace[] {
    return this.#workplaces?.list() ?? []
  }

  /** Sends the device an invite link into one of this device's workplaces. */
  async invite(peer: PeerId, workplaceId: string): Promise<void> {
    const workplaces = this.#workplaces
    const wp = workplaces?.list().find((w) => w.id === workplaceId)
    if (!workplaces || !wp) throw new Error('That workplace cannot be shared from this device.')
    await this.#send(peer, wp.name, await workplaces.inviteInto(workplaceId))
  }

  /** Joins the workplace an invite message is for (the app's openLink). */
  join(message: InviteMessage): unknown {
    if (!this.#workplaces) throw new Error('Workplaces are still loading; try again in a moment.')
    return this.#workplaces.openLink(message.url)
  }

  close(): void {
    this.#off?.()
    this.removeAllListeners()
  }
}
