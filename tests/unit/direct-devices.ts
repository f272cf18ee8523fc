/** Devices with the direct service over in-memory authenticated links, for the direct tests. */
import { DirectService, type DirectServiceOptions } from '../../src/direct/direct-service.ts'
import type { DirectMesh, TopicPresence } from '../../src/direct/direct-ports.ts'
import { createMemoryDirectStore, type DirectStore } from '../../src/direct/direct-store.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { SignalCarrierEvents } from '../../src/peer/signaling/signaling.ts'
import { connect, quiet, testDevice, type TestDevice } from './files-harness.ts'

/** First-contact presence the test sets by hand. */
export class FakePresence extends Emitter<SignalCarrierEvents> implements TopicPresence {
  readonly #topics = new Map<Topic, Set<PeerId>>()

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#topics.get(topic) ?? [])]
  }

  add(topic: Topic, peer: PeerId): void {
    let set = this.#topics.get(topic)
    if (!set) this.#topics.set(topic, (set = new Set()))
    set.add(peer)
    this.emit('peer-joined', { topic, peer })
  }

  remove(topic: Topic, peer: PeerId): void {
    this.#topics.get(topic)?.delete(peer)
    this.emit('peer-left', { topic, peer })
  }
}

export class FakeProfile extends Emitter<{ change: { name: string | null } }> {
  name: string | null

  constructor(name: string | null) {
    super()
    this.name = name
  }

  rename(name: string): void {
    this.name = name
    this.emit('change', { name })
  }
}

export interface DirectDevice extends TestDevice {
  name: string
  profile: FakeProfile
  presence: FakePresence
  directStore: DirectStore
  groups: Map<string, readonly PeerId[]>
  topics: Set<Topic>
  logs: string[]
  service: DirectService
  /** Closes the service and opens it again over the same stores (a reload). */
  reload(): Promise<DirectService>
}

const devices: DirectDevice[] = []

export async function directDevice(
  name: string,
  options: Partial<DirectServiceOptions> = {},
): Promise<DirectDevice> {
  const base = await testDevice({ chunkSize: 16 * 1024, download: { retryMs: 100 } })
  const groups = new Map<string, readonly PeerId[]>()
  const topics = new Set<Topic>()
  const mesh: DirectMesh = {
    self: base.peer,
    linkTo: (peer) => base.peers.linkTo(peer),
    linkedPeers: () => base.peers.linkedPeers(),
    onLinkChange: (handler) => base.peers.onLinkChange(handler),
    setGroup: (group, peers) => void groups.set(group, peers),
    removeGroup: (group) => void groups.delete(group),
    join: (topic) => void topics.add(topic),
    leave: (topic) => void topics.delete(topic),
  }
  const logs: string[] = []
  const profile = new FakeProfile(name)
  const presence = new FakePresence()
  const directStore = createMemoryDirectStore()
  const open = () =>
    DirectService.open({
      identity: base.identity,
      profile,
      mesh,
      presence,
      files: base.files,
      store: { ...directStore, close: () => {} },
      retryMs: 100,
      log: (message) => logs.push(message),
      ...options,
    })
  const device: DirectDevice = {
    ...base,
    name,
    profile,
    presence,
    directStore,
    groups,
    topics,
    logs,
    service: await open(),
    async reload() {
      device.service.close()
      device.service = await open()
      return device.service
    },
  }
  devices.push(device)
  return device
}

export { connect, quiet }

/** Closes every device made since the last call (afterEach). */
export function closeDirectDevices(): void {
  for (const device of devices.splice(0)) {
    device.service.close()
    device.files.close()
    for (const link of device.peers.links.values()) link.close()
  }
}
