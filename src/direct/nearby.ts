import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { NEARBY_TOPIC } from '../peer/signaling/relay-protocol.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'

/** The mesh group that keeps links to the nearby devices (for their names and messages). */
export const NEARBY_GROUP = 'nearby'

export interface NearbyEvents extends Record<string, unknown> {
  change: void
}

/**
 * Devices on the same network: this device joins the first-contact signaling's "nearby" topic
 * (the relay groups it by network address) and keeps links to the devices it meets there, so
 * they can say their names. The mesh bounds those links in a crowd (ring plus skip links).
 */
export class Nearby extends Emitter<NearbyEvents> {
  readonly #mesh: MeshPort
  readonly #offs: (() => void)[] = []
  #peers: readonly PeerId[] = []
  #visible = false

  constructor(options: { mesh: MeshPort }) {
    super()
    this.#mesh = options.mesh
    this.#offs.push(options.mesh.presence.onTopicChange(() => this.#refresh()))
  }

  /** Whether this device shows itself to (and looks for) nearby devices. */
  get visible(): boolean {
    return this.#visible
  }

  setVisible(visible: boolean): void {
    if (visible === this.#visible) return
    this.#visible = visible
    if (visible) this.#mesh.join(NEARBY_TOPIC)
    else {
      this.#mesh.leave(NEARBY_TOPIC)
      this.#mesh.removeGroup(NEARBY_GROUP)
    }
    this.#refresh()
  }

  /** The nearby devices present now, sorted. */
  peers(): readonly PeerId[] {
    return this.#peers
  }

  has(peer: PeerId): boolean {
    return this.#peers.includes(peer)
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    if (this.#visible) this.setVisible(false)
    this.removeAllListeners()
  }

  #refresh(): void {
    const self = this.#mesh.self
    const peers = this.#visible
      ? [...new Set(this.#mesh.presence.topicPeers(NEARBY_TOPIC))].filter((p) => p !== self).sort()
      : []
    if (peers.join() === this.#peers.join()) return
    this.#peers = peers
    if (this.#visible) this.#mesh.setGroup(NEARBY_GROUP, peers)
    this.emit('change', undefined)
  }
}
