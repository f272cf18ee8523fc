import type { Doc } from '@automerge/automerge-repo'
import type { OriginsStore } from '../authorship/origins-store.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'

/** The root's owner records of its name and description (see signed-about.ts's `readAbout`). */
export const ABOUT_ORIGINS = ['about', []] as const satisfies readonly [string, readonly string[]]
/** The root's display names as each member wrote them. */
export const PROFILE_ORIGINS = [
  'profiles',
  ['name', 'updatedAt', 's'],
] as const satisfies readonly [string, readonly string[]]

/**
 * The root document's history readers, taking up what the last visit read and keeping what they
 * read from now on: a device returning to a long history reads only the changes since it left.
 */
export async function openWorkplaceOrigins(
  store: OriginsStore,
  docId: string,
  doc: Doc<unknown> | undefined,
): Promise<{ about: RecordOrigins; profiles: RecordOrigins }> {
  const open = async ([map, fields]: readonly [string, readonly string[]]) => {
    const origins = new RecordOrigins(map, fields, {
      onRead: (read) => {
        const snapshot = read.snapshot()
        if (snapshot) store.save(docId, map, snapshot)
      },
    })
    const saved = await store.load(docId, map)
    if (doc && saved !== undefined) origins.restore(doc, saved)
    return origins
  }
  const [about, profiles] = await Promise.all([open(ABOUT_ORIGINS), open(PROFILE_ORIGINS)])
  return { about, profiles }
}
