import { next as Automerge } from '@automerge/automerge'
import { Repo, type AutomergeUrl, type DocHandle } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { CompactingStorage } from '../../src/crdt/repo/compacting-storage.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { until } from '../support/until.ts'

type Doc = { description?: string }
const repos: Repo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.shutdown()))
})

/** A repo over the storage, compacting as the app's does unless `plain`. */
function open(storage: MemoryStorageAdapter, plain = false) {
  const compacting = new CompactingStorage(storage, (id) => {
    const handle = repo.handles[id as keyof Repo['handles']]
    return handle?.isReady() ? handle.doc() : undefined
  })
  const repo: Repo = new Repo({ storage: plain ? storage : compacting })
  repos.push(repo)
  return { repo, compacting }
}

function write(handle: DocHandle<Doc>, count: number, label: string) {
  for (let i = 0; i < count; i++) handle.change((d) => void (d.description = `${label} ${i}`))
}

/** What is stored of a document: its snapshot and incremental chunks' kinds, sorted. */
async function chunks(storage: MemoryStorageAdapter, doc: DocHandle<Doc>) {
  return (await storage.loadRange([doc.documentId]))
    .map(({ key }) => key[1])
    .filter((kind) => kind === 'snapshot' || kind === 'incremental')
    .sort()
}

/** Storage holding one document as a single snapshot of `changes` changes. */
async function storedDoc(changes: number) {
  const storage = new MemoryStorageAdapter()
  const scratch = new Repo()
  const made = scratch.create<Doc>({})
  write(made, changes, 'before')
  await storage.save([made.documentId, 'snapshot', 'first'], Automerge.save(made.doc()))
  await scratch.shutdown()
  return { storage, url: made.url }
}

// A member back after 1,000 changes stored them as one incremental chunk (the repo compacts
// only at the save after the one that tips the balance), so its next start applied the 1,000
// changes again one by one: most of a second before the page showed the workplace.
describe('a document that takes many changes at once', () => {
  it('is stored as one snapshot, not a snapshot and the changes one by one', async () => {
    const { storage, url } = await storedDoc(300)
    const { repo } = open(storage)
    const doc = await repo.find<Doc>(url as AutomergeUrl)
    write(doc, 300, 'away')
    await repo.flush([doc.documentId])
    expect(await chunks(storage, doc)).toEqual(['snapshot'])

    await repo.shutdown()
    repos.splice(0)
    const again = await open(storage).repo.find<Doc>(url)
    expect(Automerge.getHeads(again.doc())).toEqual(Automerge.getHeads(doc.doc()))
  })

  it('keeps one snapshot once the repo compacts on its own later', async () => {
    const { storage, url } = await storedDoc(300)
    const { repo, compacting } = open(storage)
    const doc = await repo.find<Doc>(url as AutomergeUrl)
    write(doc, 300, 'away')
    await repo.flush([doc.documentId])
    expect(compacting.compactions).toBe(1)
    const snapshots = async () =>
      (await storage.loadRange([doc.documentId, 'snapshot'])).map(({ key }) => key[2])
    const ours = await snapshots()
    // The repo still counts the chunk it asked for: its next save compacts, as its own.
    write(doc, 1, 'later')
    await repo.flush([doc.documentId])
    const now = await snapshots()
    expect(now).toHaveLength(1)
    expect(now).not.toEqual(ours)
    expect(await chunks(storage, doc)).toEqual(['snapshot'])
    await repo.shutdown()
    repos.splice(0)
    const again = await open(storage).repo.find<Doc>(url)
    expect(Automerge.getHeads(again.doc())).toEqual(Automerge.getHeads(doc.doc()))
  })

  it('leaves the repo to save small changes as they come', async () => {
    const { storage, url } = await storedDoc(300)
    const { repo, compacting } = open(storage)
    const doc = await repo.find<Doc>(url as AutomergeUrl)
    write(doc, 3, 'few')
    await until(
      async () => (await chunks(storage, doc)).includes('incremental'),
      'the changes to be saved',
    )
    expect(compacting.compactions).toBe(0)
    expect(await chunks(storage, doc)).toEqual(['incremental', 'snapshot'])
  })
})
