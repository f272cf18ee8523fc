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
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not arrive within ${Math.round(ms / 1000)} s`))
    }, ms)
  })
  try {
    return await Promise.race([findWhenAvailable(repo, url), late])
  } finally {
    clearTimeout(timer)
  }
}

/** The document ID of an automerge URL. */
export function documentIdOf(url: string): string {
  return url.startsWith('automerge:') ? url.slice('automerge:'.length) : url
}
