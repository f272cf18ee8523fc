import { readEntries, readEntry, type FileEntry, type FilesDoc } from './files-doc.ts'
import type { FilesJudge, FilesWorkplace, RecordHistory } from './files-workplace.ts'

/**
 * The files document's version records as their adders signed them. Any member can remove or
 * overwrite a record in the shared document, which would hide another member's file version or
 * change it; no member can rewrite the history, and nobody removes or changes a version record
 * honestly (adding a file only ever adds one). So a record that is gone, or no longer reads as
 * genuine, is read as its creating change wrote it (`RecordHistory`), if that was signed.
 *
 * The history is read at the first read (what was removed before this device opened the
 * document), then caught up only when some record is missing or not genuine.
 */
export class EntryHistory {
  readonly #origins: RecordHistory
  /** IDs of records read before or found in the history. */
  readonly #known = new Set<string>()

  constructor(workplace: Pick<FilesWorkplace, 'recordHistory'>) {
    const fields = ['name', 'type', 'size', 'fileId', 'by', 'at', 's']
    this.#origins = workplace.recordHistory('entries', fields)
  }

  read(doc: FilesDoc | undefined, judge: FilesJudge): FileEntry[] {
    const entries = readEntries(doc, judge)
    const byId = new Map(entries.map((e) => [e.id, e]))
    const suspect =
      !this.#origins.read ||
      entries.some((e) => !e.verified) ||
      [...this.#known].some((id) => !byId.has(id))
    if (doc && suspect) {
      for (const id of this.#origins.keys(doc)) this.#known.add(id)
      for (const id of this.#known) {
        if (byId.get(id)?.verified) continue
        for (const version of [...this.#origins.versions(doc, id)].reverse()) {
          if (version.s === undefined) continue
          const signed = readEntry(id, version, judge)
          if (signed?.verified) {
            byId.set(id, signed)
            break
          }
        }
      }
    }
    for (const id of byId.keys()) this.#known.add(id)
    return entries.length === byId.size && entries.every((e) => byId.get(e.id) === e)
      ? entries
      : [...byId.values()]
  }
}
