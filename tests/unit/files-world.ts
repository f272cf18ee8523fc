/** Devices of one workplace on the in-memory mesh: documents and files alike. */
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { decodeWorkplaceLink, encodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { DocHandle } from '@automerge/automerge-repo'
import { DocFilesIndex } from '../../src/files/doc-files-index.ts'
import { FILES_DOC_KIND, initialFilesDoc, type FilesDoc } from '../../src/files/files-doc.ts'
import { StorageBudget } from '../../src/files/storage-budget.ts'
import { WorkplaceFiles } from '../../src/files/workplace-files.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub, type MemoryMesh } from '../support/memory-mesh.ts'
import { FilesWorkerClient } from '../../src/app/files-worker/files-worker-client.ts'
import { filesWorkerExtension } from '../../src/app/files-worker/worker-files.ts'
import { startChatWorker } from '../support/test-device.ts'
import { until } from '../support/until.ts'
import { connect, disconnect, testDevice, unplug, type TestDevice } from './files-harness.ts'

export const CHUNK = 16 * 1024

export interface FilesDevice extends TestDevice {
  name: string
  port: MemoryMesh
  stack: WorkplaceStack
  wp: Workplace
  wf: WorkplaceFiles
  /** The files document, when opened in this thread (not in a documents worker). */
  filesDoc: DocHandle<FilesDoc>
  budget: StorageBudget
  poke(): void
}

export class FilesWorld {
  readonly hub = new MemoryMeshHub()
  readonly devices: FilesDevice[] = []
  readonly #cleanup: (() => unknown)[] = []
  readonly #held = new Map<PeerId, (peer: PeerId) => boolean>()

  /**
   * Devices named `names`; the first creates the workplace (with `replicas`), others join. Those
   * named in `inWorker` hold the files document in a documents worker (on a MessageChannel).
   */
  async create(
    names: string[],
    replicas = 2,
    quotas: number[] = [],
    inWorker: readonly string[] = [],
  ): Promise<FilesDevice[]> {
    const bare = await Promise.all(names.map((name) => this.#device(name, inWorker.includes(name))))
    const owner = bare[0]!
    const wp = await owner.stack.workplaces.create('Acme')
    wp.handle.change((d) => {
      d.settings.replicas = replicas
    })
    const invite = await wp.createInvite({ expiresInMs: 60_000, maxUses: names.length })
    const link = decodeWorkplaceLink(
      encodeWorkplaceLink('https://x.test/', {
        workplace: wp.id,
        name: 'Acme',
        peers: [owner.peer],
        endpoints: [],
        invite,
      }),
    )
    const wps = [wp]
    for (const dev of bare.slice(1)) {
      dev.stack.joins.start(link)
      wps.push((await until(() => dev.stack.workplaces.get(wp.id), `${dev.name} to join`))!)
    }
    await until(
      () => wps.every((w) => w.membership.members.size === names.length),
      'everyone to see every member',
    )
    for (let i = 0; i < bare.length; i++) {
      for (let j = i + 1; j < bare.length; j++) await connect(bare[i]!, bare[j]!)
    }
    const devices = await Promise.all(
      bare.map(async (dev, i) => {
        const w = wps[i]!
        const budget = new StorageBudget(quotas[i] !== undefined ? { defaultQuota: quotas[i] } : {})
        const worker = dev.filesWorker
        const wf = await WorkplaceFiles.open({
          workplace: w,
          transfers: dev.files,
          presence: dev.mesh.presence,
          budget,
          ...(worker ? { openIndex: () => worker.open(w) } : {}),
        })
        this.#cleanup.push(() => wf.close())
        const filesDoc = (wf.index instanceof DocFilesIndex ? wf.index.handle : undefined)!
        return { ...dev, wp: w, wf, filesDoc, budget, poke: () => dev.mesh.poke(w.id) }
      }),
    )
    this.devices.push(...devices)
    return devices
  }

  /** The device drops its links (documents and files) and refuses new ones. */
  away(dev: FilesDevice): void {
    this.#held.set(dev.peer, dev.port.authorize)
    dev.port.authorize = () => false
    for (const other of this.hub.meshes.keys()) this.hub.unlink(dev.peer, other)
    for (const other of this.devices) if (other !== dev) disconnect(dev, other)
    for (const other of this.devices) other.poke()
  }

  async close(): Promise<void> {
    for (const fn of this.#cleanup.splice(0).reverse()) await fn()
  }

  async #device(name: string, inWorker: boolean) {
    const base = await testDevice({
      chunkSize: CHUNK,
      download: { windowBytes: 8 * CHUNK, retryMs: 200 },
      hub: this.hub,
    })
    const port = base.mesh
    const filesWorker = inWorker ? new FilesWorkerClient() : undefined
    const stack = createWorkplaceStack({
      identity: base.identity,
      mesh: port,
      list: createMemoryWorkplaceList(),
      records: createMemoryRecordStore(),
      displayName: () => name,
      kinds: new Map([[FILES_DOC_KIND, initialFilesDoc]]),
      ...(filesWorker
        ? {
            documentsWorker: startChatWorker({}, undefined, [filesWorkerExtension]),
            inWorker: ['files'],
            extensions: [filesWorker],
          }
        : {}),
    })
    port.authorize = (peer) => stack.workplaces.authorizeLink(peer)
    this.#cleanup.push(async () => {
      base.files.close()
      unplug(base)
      await stack.shutdown()
    })
    return { ...base, name, port, stack, filesWorker }
  }
}
