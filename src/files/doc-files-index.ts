import { ImmutableString, type DocHandle } from '@automerge/automerge-repo'
import { Emitter } from '../lib/emitter.ts'
import { trackingJudge, type TrackingJudge } from '../peer/identity/tracking-judge.ts'
import type { PeerId } from '../peer/ids.ts'
import { EntryHistory } from './entry-history.ts'
import { entryClaim, holdingClaim } from './file-claims.ts'
import { ownWrites, writeOwn, writePlan } from './files-doc-writes.ts'
import {
  readHoldings,
  readPlan,
  readStorage,
  storedEntry,
  type FileEntry,
  type FilesDoc,
} from './files-doc.ts'
import type {
  FilesIndex,
  FilesIndexChange,
  FilesIndexState,
  HeldFile,
  ReplicaPlanInput,
} from './files-index.ts'
import type { FilesJudge, FilesWorkplace } from './files-workplace.ts'
import type { HashHex } from './hashing.ts'
import { planReplicas, type PlanFile } from './replica-planner.ts'

/** What the document side needs of a workplace (the page's Workplace, the worker's snapshot). */
export type FilesDocWorkplace = Pick<FilesWorkplace, 'self' | 'authorship' | 'recordHistory'>

/**
 * The files document over its handle, wherever the handle lives (the page, or the documents
 * worker): reads it judged through the workplace's authorship, reads it again as verdicts move,
 * and writes this device's records, each signed.
 */
export class DocFilesIndex extends Emitter<{ change: FilesIndexChange }> implements FilesIndex {
  readonly handle: DocHandle<FilesDoc>
  readonly #workplace: FilesDocWorkplace
  readonly #judge: TrackingJudge<Parameters<FilesJudge>>
  /** The planner's own judge: it waits for every verdict, the reading above does not. */
  readonly #planJudge: TrackingJudge<Parameters<FilesJudge>>
  readonly #history: EntryHistory
  readonly #offs: (() => void)[] = []
  #state: FilesIndexState
  #closed = false

  constructor(workplace: FilesDocWorkplace, handle: DocHandle<FilesDoc>) {
    super()
    this.handle = handle
    this.#workplace = workplace
    this.#judge = trackingJudge(workplace.authorship)
    this.#planJudge = trackingJudge(workplace.authorship)
    this.#history = new EntryHistory(workplace)
    this.#state = this.#read()
    const onDoc = () => this.#reread('doc')
    handle.on('change', onDoc)
    this.#offs.push(
      () => handle.off('change', onDoc),
      // Verdicts moved (membership, keys) or checks finished: read the records again.
      workplace.authorship.on('change', () => this.#reread('verdicts')),
      workplace.authorship.on('verified', () => {
        if (this.#judge.takePending()) this.#reread('verdicts')
      }),
    )
  }

  state(): FilesIndexState {
    return this.#state
  }

  onChange(listener: (why: FilesIndexChange) => void): () => void {
    return this.on('change', listener)
  }

  async addVersion(entry: FileEntry, chunks: number): Promise<void> {
    const self = this.#workplace.self
    const sign = (claim: Parameters<FilesDocWorkplace['authorship']['sign']>[0]) =>
      this.#workplace.authorship.sign(claim)
    const { peer: _e, ...forEntry } = entryClaim(entry.id, self, entry, entry.addedAt)
    const holding = { chunks, of: chunks, at: entry.addedAt }
    const { peer: _h, ...forHolding } = holdingClaim(self, entry.fileId, holding, holding.at)
    const [entryProof, holdingProof] = await Promise.all([sign(forEntry), sign(forHolding)])
    this.handle.change((d) => {
      d.entries[entry.id] = storedEntry(entry, entryProof)
      // The holding goes with the entry, so nobody sees a file without its holder.
      d.holdings ??= {}
      d.holdings[self] ??= {}
      d.holdings[self][entry.fileId] = { ...holding, s: new ImmutableString(holdingProof) }
    })
    this.#reread('doc')
  }

  async writeOwn(
    held: readonly HeldFile[],
    storage: { quota: number; used: number },
    now: number,
  ): Promise<void> {
    if (this.#closed || !this.handle.isReady()) return
    const { self, authorship } = this.#workplace
    const writes = ownWrites({
      doc: this.handle.doc(),
      self,
      fileIds: new Set(this.#state.entries.map((e) => e.fileId)),
      held,
      storage,
      now,
      check: (claim, proof) => authorship.check(claim, proof),
    })
    if (!writes) return
    await writeOwn(
      this.handle,
      self,
      writes,
      (claim) => authorship.sign(claim),
      () => this.#closed,
    )
  }

  async planReplicas(input: ReplicaPlanInput): Promise<boolean> {
    if (this.#closed || !this.handle.isReady()) return true
    const doc = this.handle.doc()
    const files = new Map<HashHex, PlanFile>()
    this.#planJudge.takePending()
    for (const entry of this.#history.read(doc, this.#planJudge.judge)) {
      const known = files.get(entry.fileId)
      if (!known || entry.addedAt < known.addedAt) {
        files.set(entry.fileId, { fileId: entry.fileId, size: entry.size, addedAt: entry.addedAt })
      }
    }
    const holders = new Map<HashHex, Set<PeerId>>()
    for (const [fileId, byPeer] of readHoldings(doc, this.#planJudge.judge)) {
      const complete = [...byPeer].filter(([, h]) => h.complete && h.genuine)
      holders.set(fileId, new Set(complete.map(([p]) => p)))
    }
    if (this.#planJudge.takePending()) {
      void this.#workplace.authorship.nextChange().then(() => this.#reread('verdicts'))
      return false
    }
    const free = new Map<PeerId, number>()
    for (const [peer, s] of readStorage(doc)) free.set(peer, s.quota - s.used)
    const changes = planReplicas({
      files: [...files.values()],
      members: input.members,
      online: new Set(input.online),
      holders,
      plan: readPlan(doc),
      free,
      replicas: input.replicas,
      now: input.now,
    })
    if (changes.assign.length > 0 || changes.release.length > 0)
      writePlan(this.handle, changes, input.now)
    return true
  }

  close(): void {
    this.#closed = true
    for (const off of this.#offs.splice(0)) off()
  }

  #reread(why: FilesIndexChange): void {
    if (this.#closed) return
    this.#state = this.#read()
    this.emit('change', why)
  }

  #read(): FilesIndexState {
    const doc = this.handle.isReady() ? this.handle.doc() : undefined
    this.#judge.takePending()
    return {
      entries: this.#history.read(doc, this.#judge.judge),
      holdings: readHoldings(doc, this.#judge.judge),
      assigned: readPlan(doc).get(this.#workplace.self) ?? new Map<HashHex, number>(),
    }
  }
}
