import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'

/** How long a returning device dials a workplace's members at once if none of them links. */
const RETURNING_MS = 30_000

/**
 * Each workplace's members as a mesh group (the peers this device keeps links to), and which
 * workplaces this device came back to and has no link in yet. Those are dialled at once whatever
 * the ID order (the mesh's `eager` groups): their members saw this device go, so they may be
 * backing off from dialling it, and a member with a lower ID would otherwise wait the glare delay
 * (1.5 s) for a dial that is not coming. The first link to a member ends it, and so does
 * `RETURNING_MS` without one.
 */
export class MemberGroups {
  readonly #mesh: Pick<MeshPort, 'self' | 'presence' | 'setGroup'>
  readonly #members = new Map<string, readonly PeerId[]>()
  readonly #returning = new Map<string, () => void>()

  constructor(mesh: Pick<MeshPort, 'self' | 'presence' | 'setGroup'>) {
    this.#mesh = mesh
  }

  /** Sets the group of `workplace` to `members` (this device left out). */
  set(workplace: string, members: Iterable<PeerId>): void {
    const others = [...members].filter((peer) => peer !== this.#mesh.self)
    this.#members.set(workplace, others)
    if (others.some((peer) => this.#mesh.presence.isLinked(peer))) this.#endReturning(workplace)
    this.#mesh.setGroup(workplace, others, { eager: this.#returning.has(workplace) })
  }

  /** Dials the members of `workplace` at once until one of them links (see the class). */
  returning(workplace: string): void {
    this.#endReturning(workplace)
    const members = () => this.#members.get(workplace) ?? []
    const finish = () => {
      if (this.#returning.get(workplace) !== stop) return
      this.#endReturning(workplace)
      if (this.#members.has(workplace)) this.set(workplace, members())
    }
    const off = this.#mesh.presence.onLinkChange(({ peer, up }) => {
      if (up && members().includes(peer)) finish()
    })
    const timer = setTimeout(finish, RETURNING_MS)
    // In Node (the keeper, tests), this wait alone must not keep the process alive.
    ;(timer as { unref?: () => void }).unref?.()
    const stop = () => {
      off()
      clearTimeout(timer)
    }
    this.#returning.set(workplace, stop)
    if (this.#members.has(workplace)) this.set(workplace, members())
  }

  /** Stops meeting the members of `workplace`. */
  clear(workplace: string): void {
    this.#endReturning(workplace)
    this.#members.delete(workplace)
    this.#mesh.setGroup(workplace, [])
  }

  #endReturning(workplace: string): void {
    this.#returning.get(workplace)?.()
    this.#returning.delete(workplace)
  }
}
