import { LATE, within } from '../../lib/within.ts'
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

/**
 * As findWhenAvailable, but rejects if the document has not arrived within `ms`, saying
 * "`what` did not arrive within … s".
 */
export async function findWithin(
  repo: Repo,
  url: string,
  ms: number,
  what = url,
): Promise<DocHandle<unknown>> {
  const handle = await within(findWhenAvailable(repo, url), ms)
  if (handle === LATE) throw new Error(`${what} did not arrive within ${Math.round(ms / 1000)} s`)
  return handle
}

/** The document ID of an automerge URL. */
export function documentIdOf(url: string): string {
  return url.startsWith('automerge:') ? url.slice('automerge:'.length) : url
}
