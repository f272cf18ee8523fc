import type { ChatApi } from '../../crdt/chat/chat-api.ts'
import type { Workplace } from '../../crdt/workplace/workplace.ts'
import type { WorkplaceFiles } from '../../files/workplace-files.ts'
import { BlobSink } from '../byte-sink.ts'
import { chatJson, chatMarkdown, type ChatExportInput } from './chat-export.ts'
import { safeName, writeFilesZip, type ZipSource } from './files-zip.ts'

export interface ExportedFile {
  blob: Blob
  fileName: string
}

/** Exports of a workplace in forms people can open without Peerplace. */
export interface WorkplaceExports {
  workplaces(): { id: string; name: string }[]
  chat(workplaceId: string, format: 'markdown' | 'json'): Promise<ExportedFile>
  /** The files this device holds in full, as a zip; `missing` counts those it does not. */
  files(
    workplaceId: string,
    onFile?: (done: number, total: number) => void,
  ): Promise<ExportedFile & { included: number; missing: number }>
}

/** What the exports read of the open workplaces (src/app/workplaces-app.ts satisfies it). */
export interface ExportableWorkplaces {
  list(): readonly Workplace[]
  featuresOf(wp: Workplace): { chat: Promise<ChatApi>; files: Promise<WorkplaceFiles> }
}

/** Older chat pages loaded at most, so a chat that keeps saying "more" cannot loop forever. */
const MAX_PAGES = 100_000

export function createWorkplaceExports(
  app: ExportableWorkplaces,
  now: () => number = Date.now,
): WorkplaceExports {
  const member = (id: string) => {
    const wp = app.list().find((w) => w.id === id && w.isMember(w.self))
    if (!wp) throw new Error('That workplace is not on this device.')
    return wp
  }
  const day = () => new Date(now()).toISOString().slice(0, 10)
  return {
    workplaces: () =>
      app
        .list()
        .filter((w) => w.isMember(w.self))
        .map((w) => ({ id: w.id, name: w.name })),
    async chat(id, format) {
      const wp = member(id)
      const chat = await app.featuresOf(wp).chat
      await chat.settled()
      for (let page = 0; chat.hasOlder() && page < MAX_PAGES; page++) {
        if (!(await chat.loadOlder())) break
      }
      const names = new Map(wp.members().map((m) => [m.peer as string, m.name]))
      const input: ChatExportInput = {
        workplace: wp.name,
        exportedAt: now(),
        messages: chat.messages(),
        nameOf: (peer) => names.get(peer) ?? `Former member ${peer.slice(0, 6)}`,
      }
      const markdown = format === 'markdown'
      const text = markdown ? chatMarkdown(input) : chatJson(input)
      return {
        blob: new Blob([text], { type: markdown ? 'text/markdown' : 'application/json' }),
        fileName: `${safeName(wp.name)} chat ${day()}.${markdown ? 'md' : 'json'}`,
      }
    },
    async files(id, onFile) {
      const wp = member(id)
      const files = await app.featuresOf(wp).files
      const sources: ZipSource[] = []
      let missing = 0
      for (const file of files.view().files) {
        for (const version of file.versions) {
          if (version.local !== 'complete') {
            missing++
            continue
          }
          sources.push({
            name: version.version > 1 ? versioned(file.name, version.version) : file.name,
            at: version.entry.addedAt,
            read: () => files.read(version.entry.fileId),
          })
        }
      }
      const sink = new BlobSink('application/zip')
      await writeFilesZip(sources, sink, (done) => onFile?.(done, sources.length))
      return {
        blob: sink.blob(),
        fileName: `${safeName(wp.name)} files ${day()}.zip`,
        included: sources.length,
        missing,
      }
    },
  }
}

function versioned(name: string, version: number): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? `${name.slice(0, dot)} (v${version})${name.slice(dot)}` : `${name} (v${version})`
}
