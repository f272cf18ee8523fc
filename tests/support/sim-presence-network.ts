import { hash32 } from '../../src/lib/hash.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { PRESENCE_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import {
  createPresence,
  type Presence,
  type PresenceOptions,
} from '../../src/peer/mesh/presence.ts'
import { groupNeighbours } from '../../src/peer/mesh/topology.ts'
import { SimClock } from './sim-clock.ts'
import { FakePresenceMesh } from './fake-presence-mesh.ts'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** A valid, deterministic peer ID for simulated member `index`. */
export function simPeerId(index: number): PeerId {
  let id = ''
  for (let i = 0; id.length < 32; i++) {
    let h = hash32(`sim-${index}`, i)
    for (let k = 0; k < 6 && id.length < 32; k++, h >>>= 5) id += BASE32[h & 31]
  }
  return id as PeerId
}

interface Node {
  readonly mesh: FakePresenceMesh
  readonly presence: Presence
}

/**
 * Many presence instances on one fake clock, joined by simulated links (a message takes
 * `latencyMs`; a message on a link that is gone is lost). No WebRTC and no authentication, so
 * hundreds of members run in a test; the links follow the mesh's topology. Counts every
 * presence frame sent and received per peer.
 */
export class SimPresenceNetwork {
  readonly clock = new SimClock()
  readonly nodes = new Map<PeerId, Node>()
  readonly frames = new Map<PeerId, number>()
  framesTotal = 0
  readonly #silent = new Set<PeerId>()
  readonly #latencyMs: number
  readonly #group: string

  constructor(
    readonly ids: readonly PeerId[],
    options: { group?: string; latencyMs?: number; presence?: PresenceOptions } = {},
  ) {
    this.#latencyMs = options.latencyMs ?? 5
    this.#group = options.group ?? 'sim-group'
    for (const id of ids) {
      const mesh = new FakePresenceMesh(id)
      mesh.wire = (to, channel, data) => this.#carry(id, to, channel, data)
      const presence = createPresence({
        mesh,
        options: { clock: this.clock, log: () => {}, ...options.presence },
      })
      mesh.setGroup(this.#group, ids)
      this.nodes.set(id, { mesh, presence })
    }
  }

  get group(): string {
    return this.#group
  }

  link(a: PeerId, b: PeerId, up = true): void {
    const [na, nb] = [this.nodes.get(a), this.nodes.get(b)]
    if (!na || !nb) return
    na.mesh.setLinked(b, up)
    nb.mesh.setLinked(a, up)
  }

  /**
   * Links each of `live` (default: every member) to exactly the neighbours the topology gives
   * it among them, dropping links it no longer wants; returns how many links changed.
   */
  applyTopology(live: readonly PeerId[] = [...this.nodes.keys()], maxLinks?: number): number {
    const wanted = new Map(live.map((id) => [id, new Set(groupNeighbours(id, live, maxLinks))]))
    let changed = 0
    for (const id of live) {
      const node = this.nodes.get(id)
      if (!node) continue
      for (const peer of [...node.mesh.linked]) {
        if (!wanted.get(id)?.has(peer) && !wanted.get(peer)?.has(id)) {
          this.link(id, peer, false)
          changed++
        }
      }
      for (const peer of wanted.get(id) ?? []) {
        if (!node.mesh.linked.includes(peer)) {
          this.link(id, peer)
          changed++
        }
      }
    }
    return changed
  }

  /** The member vanishes without a word: its neighbours see their links to it drop. */
  crash(id: PeerId): void {
    const node = this.nodes.get(id)
    if (!node) return
    this.nodes.delete(id)
    const peers = node.mesh.linked
    node.mesh.linked = []
    node.presence.close() // stops its timers; with no links left, its goodbye goes nowhere
    for (const peer of peers) this.nodes.get(peer)?.mesh.setLinked(id, false)
  }

  /**
   * The member goes silent without a word (crashed, or its tab busy): nothing it sends arrives,
   * its neighbours' links to it hear nothing from now on, and after `pathLostAfterMs` those
   * links give its path up for lost ('restarting', as a real link's timeout does) while staying
   * open. `speak` ends it.
   */
  silence(id: PeerId, pathLostAfterMs = 3000): void {
    const since = this.clock.now()
    this.#silent.add(id)
    for (const peer of this.nodes.get(id)?.mesh.linked ?? []) {
      this.nodes.get(peer)?.mesh.setSilent(id, since, () => this.clock.now())
    }
    this.clock.setTimeout(() => {
      if (!this.#silent.has(id)) return
      for (const peer of this.nodes.get(id)?.mesh.linked ?? []) {
        this.nodes.get(peer)?.mesh.setPath(id, 'restarting')
      }
    }, pathLostAfterMs)
  }

  /** A silenced member is heard again: its links are back on their paths. */
  speak(id: PeerId): void {
    this.#silent.delete(id)
    for (const peer of this.nodes.get(id)?.mesh.linked ?? []) {
      const mesh = this.nodes.get(peer)?.mesh
      mesh?.setSilent(id, undefined, () => this.clock.now())
      if (mesh?.linkTo(id)?.path === 'restarting') mesh.setPath(id, 'ok')
    }
  }

  online(id: PeerId): readonly PeerId[] {
    return this.nodes.get(id)?.presence.online(this.#group) ?? []
  }

  resetCounts(): void {
    this.frames.clear()
    this.framesTotal = 0
  }

  #carry(from: PeerId, to: PeerId, channel: string, data: Uint8Array): void {
    if (this.#silent.has(from)) return
    if (channel === PRESENCE_CHANNEL) {
      this.framesTotal++
      this.frames.set(from, (this.frames.get(from) ?? 0) + 1)
    }
    this.clock.setTimeout(() => {
      const node = this.nodes.get(to)
      if (!node || !node.mesh.linked.includes(from)) return
      if (channel === PRESENCE_CHANNEL) this.frames.set(to, (this.frames.get(to) ?? 0) + 1)
      node.mesh.deliver(channel, { from, data, hops: 1 })
    }, this.#latencyMs)
  }
}
