/**
 * The workplace half of the files test page: a workplace stack on the page's mesh (documents
 * in memory), the files of one workplace, and the files panel mounted in the page, so a test
 * drives the real UI. Loaded on demand: the engine tests and the benchmark do not need it.
 */
import { mount } from 'svelte'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { decodeWorkplaceLink, encodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { FileTransfers } from '../../src/files/file-transfers.ts'
import { FILES_DOC_KIND, initialFilesDoc } from '../../src/files/files-doc.ts'
import { StorageBudget } from '../../src/files/storage-budget.ts'
import { WorkplaceFiles } from '../../src/files/workplace-files.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { Mesh } from '../../src/peer/mesh/mesh.ts'
import { createMeshPort } from '../../src/peer/mesh/mesh-port-adapter.ts'
import { createPresence } from '../../src/peer/mesh/presence.ts'
import FilesPanel from '../../src/ui/files/FilesPanel.svelte'

export function createWorkplaceDriver(options: {
  identity: Identity
  mesh: Mesh
  transfers: FileTransfers
  name: string
}) {
  const { identity, mesh, transfers, name } = options
  const presence = createPresence({ mesh, options: { digestIntervalMs: 500 } })
  const port = createMeshPort({ mesh, presence })
  const stack = createWorkplaceStack({
    identity,
    mesh: port,
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    kinds: new Map([[FILES_DOC_KIND, initialFilesDoc]]),
  })
  const budget = new StorageBudget({
    storage: localStorage,
    estimate: () => navigator.storage.estimate(),
  })
  let workplace: Workplace | undefined
  let files: WorkplaceFiles | undefined

  const show = async (wp: Workplace) => {
    workplace = wp
    wp.setProfileName(name)
    files = await WorkplaceFiles.open({ workplace: wp, transfers, presence: port.presence, budget })
    const target = document.createElement('main')
    document.body.append(target)
    mount(FilesPanel, { target, props: { files, budget } })
    return wp.id
  }

  return {
    /** Creates a workplace keeping `replicas` copies; shows its files; returns an invite. */
    async create(replicas: number, uses: number): Promise<string> {
      const wp = await stack.workplaces.create('Files test')
      wp.handle.change((d) => {
        d.settings.replicas = replicas
      })
      const invite = await wp.createInvite({ expiresInMs: 600_000, maxUses: uses })
      await show(wp)
      return encodeWorkplaceLink(location.href, {
        workplace: wp.id,
        name: 'Files test',
        peers: [identity.peerId],
        endpoints: [],
        invite,
      })
    },
    /** Joins by an invite link and shows the workplace's files once a member. */
    async join(link: string): Promise<string> {
      const decoded = decodeWorkplaceLink(link)
      stack.joins.start(decoded)
      for (;;) {
        const wp = stack.workplaces.get(decoded.workplace)
        if (wp?.isMember(identity.peerId) && wp.doc?.docs?.[FILES_DOC_KIND]) return show(wp)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    members: () => workplace?.members().map((m) => m.name) ?? [],
    syncer: () => (workplace ? port.presence.syncer(workplace.id) : ''),
    /** Closes the links, as a page going away does (its peers see it leave at once). */
    leave() {
      presence.close()
      mesh.close()
    },
  }
}
