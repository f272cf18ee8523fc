import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort, PeerMessage } from '../../peer/mesh/mesh-port.ts'
import type { WorkplaceLink } from './invite-link.ts'
import { JOIN_CHANNEL, decodeJoinMessage, encodeJoinMessage } from './join-protocol.ts'

/** Answers kept for the join flow: far more than the members a link names would send. */
const KEPT_ANSWERS = 32

/** What an invite presented before the join flow existed was asked and answered. */
export interface EarlyAnswers {
  /** The linked devices the invite was presented to. */
  asked: readonly PeerId[]
  /** Their answers about this workplace (accepted or refused), as received: still unchecked. */
  answers: readonly PeerMessage[]
}

/** Hands the join flow, once, what was asked and answered before it started. */
export interface EarlyJoins {
  take(workplace: string): EarlyAnswers | undefined
}

/**
 * Presents an invite link's invite to each device this one links to, from the moment the link
 * is up, while the document layer (Automerge and its wasm: most of a first visit's bytes) is
 * still on its way. A member checks the invite and admits this device meanwhile, so when the
 * documents can be fetched, the device is already in. It needs no Automerge. The answers are
 * kept for the join flow, which takes them over with `take` (this stops listening then) and
 * handles them as any other: it checks them again, and asks anyone not asked yet.
 */
export class EarlyInvite implements EarlyJoins {
  readonly #mesh: Pick<MeshPort, 'presence' | 'send'>
  readonly #link: Pick<WorkplaceLink, 'workplace' | 'invite'>
  readonly #name: () => string
  readonly #asked = new Set<PeerId>()
  readonly #answers: PeerMessage[] = []
  readonly #stop: (() => void)[]
  #taken = false

  constructor(
    mesh: Pick<MeshPort, 'presence' | 'send' | 'onMessage'>,
    link: Pick<WorkplaceLink, 'workplace' | 'invite'>,
    displayName: () => string,
  ) {
    this.#mesh = mesh
    this.#link = link
    this.#name = displayName
    this.#stop = [
      mesh.onMessage(JOIN_CHANNEL, (message) => this.#received(message)),
      mesh.presence.onLinkChange(({ peer, up }) => {
        if (up) this.#present(peer)
        else this.#asked.delete(peer)
      }),
    ]
    for (const peer of mesh.presence.linkedPeers()) this.#present(peer)
  }

  take(workplace: string): EarlyAnswers | undefined {
    if (this.#taken || workplace !== this.#link.workplace) return undefined
    this.#taken = true
    for (const stop of this.#stop.splice(0)) stop()
    const linked = new Set(this.#mesh.presence.linkedPeers())
    return {
      asked: [...this.#asked].filter((peer) => linked.has(peer)),
      answers: this.#answers.splice(0),
    }
  }

  #present(peer: PeerId): void {
    const { workplace, invite } = this.#link
    if (!invite || this.#asked.has(peer)) return
    this.#asked.add(peer)
    const message = { t: 'invite-join' as const, workplace, invite, name: this.#name() }
    this.#mesh.send(peer, JOIN_CHANNEL, encodeJoinMessage(message))
  }

  #received(message: PeerMessage): void {
    const decoded = decodeJoinMessage(message.data)
    if (decoded instanceof Error) {
      console.warn(`join: dropped a message from ${message.from}: ${decoded.message}`)
      return
    }
    if (decoded.workplace !== this.#link.workplace) return
    if (decoded.t !== 'join-accepted' && decoded.t !== 'join-refused') return
    if (this.#answers.length < KEPT_ANSWERS) this.#answers.push(message)
  }
}
