import type { PeerId } from '../ids.ts'
import type { SignalEnvelope, SingleEnvelope } from './signal-envelope.ts'
import type { SignalingKind } from './signaling.ts'

/** One signaling of this device, as a way to carry a signal to a peer. */
export interface SessionRoute {
  readonly kind: SignalingKind
  /** Whether it can send now. */
  readonly open: boolean
  /** Throws when it cannot take the signal. */
  send(peer: PeerId, envelope: SignalEnvelope): void
}

/**
 * The open connections of one device's signalings, by peer and session, so the later signals
 * of a connection (ICE restart offers and answers) still travel when the signaling that made it
 * is down: they go through another open signaling (another relay, the mesh), and whichever
 * signaling receives them hands them to the connection. A signal is matched by its session's
 * random ID, which only the two ends and the signalings that carried it know.
 */
export class OpenSessions {
  readonly #sessions = new Map<string, (envelope: SingleEnvelope) => void>()
  readonly #routes: SessionRoute[] = []

  /** Books an open session; returns the function that removes it. */
  add(peer: PeerId, sid: string, deliver: (envelope: SingleEnvelope) => void): () => void {
    const key = `${peer}/${sid}`
    this.#sessions.set(key, deliver)
    return () => {
      if (this.#sessions.get(key) === deliver) this.#sessions.delete(key)
    }
  }

  /** Hands a signal from `from` to its open session; false when none is booked. */
  deliver(from: PeerId, envelope: SingleEnvelope): boolean {
    const deliver = this.#sessions.get(`${from}/${envelope.sid}`)
    if (!deliver) return false
    deliver(envelope)
    return true
  }

  /** Offers a signaling as a route; returns the function that withdraws it. */
  addRoute(route: SessionRoute): () => void {
    this.#routes.push(route)
    return () => {
      const at = this.#routes.indexOf(route)
      if (at >= 0) this.#routes.splice(at, 1)
    }
  }

  /**
   * Sends through the first open route other than `except`, first-contact signalings before
   * the mesh (a shorter way); false when none took it.
   */
  sendAround(peer: PeerId, envelope: SignalEnvelope, except?: SessionRoute): boolean {
    const routes = this.#routes.filter((route) => route !== except && route.open)
    routes.sort((a, b) => Number(a.kind === 'mesh') - Number(b.kind === 'mesh'))
    for (const route of routes) {
      try {
        route.send(peer, envelope)
        return true
      } catch {
        // try the next one
      }
    }
    return false
  }
}
