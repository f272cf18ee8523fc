import type { AutomergeUrl, DocHandle, Repo } from '@automerge/automerge-repo'

/**
 * Finds a document, waiting (rather than failing) while it is not on this device yet and nobody
 * online can provide it: the repo asks again whenever a member links.
 */
export async function findWhenAvailable(repo: Repo, url: string): Promise<DocHandle<unknown>> {
  const handle = await repo.find<unknown>(url as AutomergeUrl, {
    allowableStates: ['ready', 'unavailable'],
  })
  if (!handle.isReady()) await handle.whenReady(['ready'])
  return handle
}
