import type { AutomergeUrl } from '@automerge/automerge-repo'
import { startTrace } from '../../lib/start-trace.ts'
import type { MembershipLog } from '../membership/membership-log.ts'
import type { RootDoc } from './root-doc.ts'
import { Workplace } from './workplace.ts'
import { openWorkplaceOrigins } from './workplace-origins.ts'
import type { WorkplaceEntry } from './workplace-list.ts'
import type { WorkplacesOptions } from './workplaces.ts'

/** The workplace of `entry` over its root document, checked to be that workplace's root. */
export async function openWorkplaceRoot(
  o: Pick<WorkplacesOptions, 'repo' | 'identity' | 'kinds' | 'clock' | 'origins'>,
  entry: WorkplaceEntry,
  log: MembershipLog,
): Promise<Workplace> {
  const handle = await o.repo.find<RootDoc>(entry.rootUrl as AutomergeUrl)
  startTrace('root-found', entry.id)
  const origins =
    o.origins && (await openWorkplaceOrigins(o.origins, handle.documentId, handle.doc()))
  const workplace = new Workplace({
    handle,
    log,
    identity: o.identity,
    repo: o.repo,
    kinds: o.kinds ?? new Map(),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(origins ? { origins } : {}),
  })
  await workplace.reconcile()
  startTrace('root-open', entry.id)
  if (handle.doc()?.workplace !== entry.id) {
    throw new Error(`document ${entry.rootUrl} is not the root of workplace ${entry.id}`)
  }
  return workplace
}
