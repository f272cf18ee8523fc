import { generateAutomergeUrl, Repo, type AutomergeUrl } from '@automerge/automerge-repo'
import { expect, it } from 'vitest'
import { shutdownRepo } from '../../src/crdt/repo/shutdown-repo.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'

/** A repo with a document written and another asked for that nobody has. */
async function repoWaitingForADocument(storage: MemoryStorageAdapter) {
  const repo = new Repo({ storage, network: [] })
  const written = repo.create<{ text?: string }>()
  written.change((d) => (d.text = 'kept'))
  await repo.find(generateAutomergeUrl(), { allowableStates: ['ready', 'unavailable'] })
  return { repo, url: written.url }
}

it('shuts a repo down with a document still on its way, its other documents saved', async () => {
  const storage = new MemoryStorageAdapter()
  const { repo, url } = await repoWaitingForADocument(storage)

  await shutdownRepo(repo)

  const again = new Repo({ storage, network: [] })
  const loaded = await again.find<{ text?: string }>(url as AutomergeUrl)
  expect(loaded.doc().text).toBe('kept')
  await again.shutdown()
})

// When this fails, automerge-repo's flush skips documents not ready (its issue 740) and
// shutdownRepo can go.
it('is needed: automerge-repo’s own shutdown fails there', async () => {
  const { repo } = await repoWaitingForADocument(new MemoryStorageAdapter())
  await expect(repo.shutdown()).rejects.toThrow(/not ready/)
})
