import type { RelayErrorCode } from '../src/peer/signaling/relay-protocol.ts'

export interface SlotLimits {
  /** Relay sockets in all, authenticated or not. */
  maxConnections: number
  /** Relay sockets of one address group (an IPv4 address, an IPv6 /64). */
  maxConnectionsPerAddress: number
  /** Sockets that have not authenticated yet, in all... */
  maxPendingConnections: number
  /** ...and of one address group. */
  maxPendingPerAddress: number
}

export type SlotRefusal = {
  code: Extract<RelayErrorCode, 'server-full' | 'address-limit'>
  message: string
}

interface Group {
  open: number
  pending: number
}

/**
 * Who holds the relay's connection slots, so that no one address can take them all and
 * connections that have not proven a key yet hold only a few. Each granted slot is released
 * exactly once, by `release`.
 */
export class ConnectionSlots {
  readonly #limits: SlotLimits
  readonly #groups = new Map<string, Group>()
  #open = 0
  #pending = 0

  constructor(limits: SlotLimits) {
    this.#limits = limits
  }

  get open(): number {
    return this.#open
  }

  /** Takes a pending slot for a new socket of `group`, or says why there is none. */
  acquire(group: string): SlotRefusal | undefined {
    const limits = this.#limits
    const entry = this.#groups.get(group) ?? { open: 0, pending: 0 }
    if (this.#open >= limits.maxConnections || this.#pending >= limits.maxPendingConnections) {
      return { code: 'server-full', message: 'too many connections' }
    }
    if (entry.open >= limits.maxConnectionsPerAddress) {
      const most = limits.maxConnectionsPerAddress
      return { code: 'address-limit', message: `at most ${most} connections per address` }
    }
    if (entry.pending >= limits.maxPendingPerAddress) {
      const most = limits.maxPendingPerAddress
      return {
        code: 'address-limit',
        message: `at most ${most} unauthenticated connections per address`,
      }
    }
    entry.open++
    entry.pending++
    this.#open++
    this.#pending++
    this.#groups.set(group, entry)
    return undefined
  }

  /** The socket of a pending slot authenticated: it no longer counts as pending. */
  authenticated(group: string): void {
    const entry = this.#groups.get(group)
    if (!entry || entry.pending === 0) return
    entry.pending--
    this.#pending--
  }

  /** The socket closed; `pending` says whether it had not authenticated. */
  release(group: string, pending: boolean): void {
    const entry = this.#groups.get(group)
    if (!entry) return
    entry.open--
    this.#open--
    if (pending) {
      entry.pending--
      this.#pending--
    }
    if (entry.open === 0) this.#groups.delete(group)
  }
}
