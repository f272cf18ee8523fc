import { Zip, ZipPassThrough } from 'fflate'
import type { ByteSink } from '../byte-sink.ts'

/** One file to put in the zip. */
export interface ZipSource {
  name: string
  /** Modification time in ms (zip keeps it to 2 s). */
  at: number
  read(): AsyncIterable<Uint8Array>
}

/**
 * Streams files into a zip (stored, not compressed: files are mostly compressed already and
 * storing is fast), one chunk at a time into `sink`. Names are made safe and unique.
 */
export async function writeFilesZip(
  files: readonly ZipSource[],
  sink: ByteSink,
  onFile?: (done: number) => void,
): Promise<void> {
  const out: Uint8Array[] = []
  let failure: Error | null = null
  const zip = new Zip((error, data) => {
    if (error) failure = error
    else out.push(data)
  })
  const drain = async () => {
    if (failure) throw failure
    for (const part of out.splice(0)) await sink.write(part)
  }
  const names = new Set<string>()
  try {
    for (const [index, file] of files.entries()) {
      const entry = new ZipPassThrough(uniqueName(safeName(file.name), names))
      entry.mtime = Math.max(file.at, Date.UTC(1980, 0, 2))
      zip.add(entry)
      for await (const chunk of file.read()) {
        entry.push(chunk)
        await drain()
      }
      entry.push(new Uint8Array(0), true)
      await drain()
      onFile?.(index + 1)
    }
    zip.end()
    await drain()
    await sink.close()
  } catch (error) {
    zip.terminate()
    await sink.abort(error)
    throw error
  }
}

/** A name with no folders, control characters or characters Windows refuses. */
export function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const cleaned = name.replace(/[\u0000-\u001f<>:"/\\|?*]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '')
  return cleaned.slice(0, 200) || 'file'
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name
  const dot = name.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`
  taken.add(candidate.toLowerCase())
  return candidate
}
