import { ImmutableString, type DocHandle } from '@automerge/automerge-repo'
import type { Claim } from '../peer/identity/record-proof.ts'
import type { PeerId } from '../peer/ids.ts'
import { holdingClaim } from './file-claims.ts'
import type { FilesDoc, StoredHolding } from './files-doc.ts'
import type { FilesJudge } from './files-workplace.ts'
import type { HashHex } from './hashing.ts'
import type { HeldFile } from './files-index.ts'

/** A partial holding is rewritten at most this often (complete ones at once). */
const PARTIAL_EVERY_MS = 5000
/** Use is republished when it moved by more than this. */
const USED_STEP_BYTES = 1024 * 1024

/** What this device's holdings and storage offer need written (`null`: remove the holding). */
export interface OwnWrites {
  holdings: Map<HashHex, StoredHolding | null>
  storage?: { quota: number; used: number; at: number }
}

/**
 * This device's holdings and storage offer where the document differs from `held` (for the
 * listed `fileIds`). A holding of this device's that `check` finds unsigned or forged (written
 * before holdings were signed) is written again, so that it counts once signed.
 */
export function ownWrites(options: {
  doc: FilesDoc
  self: PeerId
  fileIds: ReadonlySet<HashHex>
  held: readonly HeldFile[]
  storage: { quota: number; used: number }
  now: number
  check: FilesJudge
}): OwnWrites | undefined {
  const { doc, self, now } = options
  const local = new Map(options.held.map((h) => [h.fileId, h]))
  const mine = doc.holdings?.[self] ?? {}
  const holdings = new Map<HashHex, StoredHolding | null>()
  for (const fileId of options.fileIds) {
    const record = local.get(fileId)
    const current = mine[fileId]
    const held = record && record.chunks > 0 ? record : undefined
    if (!held) {
      if (current) holdings.set(fileId, null)
      continue
    }
    const complete = held.chunks >= held.count
    const changed = !current || current.chunks !== held.chunks || current.of !== held.count
    const wasComplete = !!current && current.chunks >= current.of
    if (
      (changed && (complete || !current || wasComplete || now - current.at >= PARTIAL_EVERY_MS)) ||
      (current && unsigned(self, fileId, current, options.check))
    ) {
      holdings.set(fileId, { chunks: held.chunks, of: held.count, at: now })
    }
  }
  const stored = doc.storage?.[self]
  const { quota, used } = options.storage
  const storageStale =
    !stored || stored.quota !== quota || Math.abs(stored.used - used) > USED_STEP_BYTES
  if (holdings.size === 0 && !storageStale) return undefined
  return { holdings, ...(storageStale ? { storage: { quota, used, at: now } } : {}) }
}

/** Whether a holding of this device's is known not to be signed by it (not merely unchecked). */
function unsigned(self: PeerId, fileId: HashHex, current: StoredHolding, check: FilesJudge) {
  const at = typeof current.at === 'number' ? current.at : 0
  const verdict = check(holdingClaim(self, fileId, current, at), current.s)
  return verdict === 'unsigned' || verdict === 'forged'
}

/** Signs the holdings of `writes` (as `self`) and writes them with the storage offer. */
export async function writeOwn(
  handle: DocHandle<FilesDoc>,
  self: PeerId,
  writes: OwnWrites,
  sign: (claim: Omit<Claim, 'peer'>) => Promise<string>,
  closed: () => boolean,
): Promise<void> {
  for (const [fileId, holding] of writes.holdings) {
    if (!holding) continue
    const { peer: _self, ...claim } = holdingClaim(self, fileId, holding, holding.at)
    holding.s = new ImmutableString(await sign(claim))
  }
  if (closed()) return
  handle.change((d) => {
    d.holdings ??= {}
    d.holdings[self] ??= {}
    const own = d.holdings[self]
    for (const [fileId, holding] of writes.holdings) {
      if (holding) own[fileId] = holding
      else delete own[fileId]
    }
    if (writes.storage) {
      d.storage ??= {}
      d.storage[self] = writes.storage
    }
  })
}

/** Writes the planner's changes to the plan. */
export function writePlan(
  handle: DocHandle<FilesDoc>,
  changes: {
    assign: readonly { peer: PeerId; fileId: HashHex }[]
    release: readonly { peer: PeerId; fileId: HashHex }[]
  },
  now: number,
): void {
  handle.change((d) => {
    d.plan ??= {}
    for (const { peer, fileId } of changes.release) {
      const planned = d.plan[peer]
      if (!planned) continue
      delete planned[fileId]
      if (Object.keys(planned).length === 0) delete d.plan[peer]
    }
    for (const { peer, fileId } of changes.assign) {
      d.plan[peer] ??= {}
      d.plan[peer][fileId] = now
    }
  })
}
