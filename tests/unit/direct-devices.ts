/** Devices with the direct service on the in-memory mesh, for the direct tests. */
import { DirectService, type DirectServiceOptions } from '../../src/direct/direct-service.ts'
import { createMemoryDirectStore, type DirectStore } from '../../src/direct/direct-store.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { connect, quiet, testDevice, unplug, type TestDevice } from './files-harness.ts'

/** Links come only when a test connects two devices, never from the groups they want. */
const hub = new MemoryMeshHub({ dial: false })

/** First-contact presence the test sets by hand, as the relay would report it. */
export interface TopicControl {
  add(topic: Topic, peer: PeerId): void
  remove(topic: Topic, peer: PeerId): void
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
  presence: TopicControl
  directStore: DirectStore
  /** The groups and topics the service asked the mesh for. */
  groups: ReadonlyMap<string, readonly PeerId[]>
  topics: ReadonlySet<Topic>
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
  const base = await testDevice({ chunkSize: 16 * 1024, download: { retryMs: 100 }, hub })
  const mesh = base.mesh
  const logs: string[] = []
  const profile = new FakeProfile(name)
  const presence: TopicControl = {
    add: (topic, peer) => mesh.setTopicPeer(topic, peer, true),
    remove: (topic, peer) => mesh.setTopicPeer(topic, peer, false),
  }
  const directStore = createMemoryDirectStore()
  const open = () =>
    DirectService.open({
      identity: base.identity,
      profile,
      mesh,
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
    groups: mesh.groups,
    topics: mesh.topics,
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
    unplug(device)
  }
}
