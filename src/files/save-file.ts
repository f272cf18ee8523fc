/** Where saved bytes go, one chunk at a time. */
export interface SaveTarget {
  write(bytes: Uint8Array): Promise<void>
  close(): Promise<void>
  abort(): Promise<void>
}

interface SaveFilePickerWindow {
  showSaveFilePicker?: (options: {
    suggestedName?: string
    types?: { description?: string; accept: Record<string, string[]> }[]
  }) => Promise<{ createWritable(): Promise<WritableLike> }>
}

interface WritableLike {
  write(data: Uint8Array): Promise<void>
  close(): Promise<void>
  abort(reason?: unknown): Promise<void>
}

/**
 * The File System Access API's save dialog, when the browser has it: returns a function to
 * call inside the click that asked to save (it needs the user's gesture). Resolves null when
 * the person closes the dialog.
 */
export function fileSystemSaver(
  win: unknown,
): ((name: string, type: string) => Promise<SaveTarget | null>) | null {
  const picker = (win as SaveFilePickerWindow).showSaveFilePicker
  if (typeof picker !== 'function') return null
  return async (name, type) => {
    let handle
    try {
      const accept = /^[\w.+-]+\/[\w.+-]+$/.test(type) ? { [type]: [] } : undefined
      handle = await picker.call(win, {
        suggestedName: name,
        ...(accept ? { types: [{ accept }] } : {}),
      })
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return null
      throw error
    }
    const writable = await handle.createWritable()
    return {
      write: (bytes) => writable.write(bytes),
      close: () => writable.close(),
      abort: () => writable.abort(),
    }
  }
}

/** Streams every chunk to the target; aborts the target if reading or writing fails. */
export async function writeAll(
  chunks: AsyncIterable<Uint8Array>,
  target: SaveTarget,
  onProgress?: (bytes: number) => void,
): Promise<void> {
  let done = 0
  try {
    for await (const chunk of chunks) {
      await target.write(chunk)
      done += chunk.length
      onProgress?.(done)
    }
  } catch (error) {
    await target.abort().catch(() => {})
    throw error
  }
  await target.close()
}

/**
 * The fallback without the File System Access API: a Blob built from the stored chunks (the
 * browser keeps large Blobs on disk, not in the page's heap) offered as a download.
 */
export async function saveAsBlob(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  type: string,
  doc: Document,
): Promise<void> {
  const parts: Blob[] = []
  for await (const chunk of chunks) parts.push(new Blob([chunk as BlobPart]))
  const url = URL.createObjectURL(new Blob(parts, { type: type || 'application/octet-stream' }))
  const anchor = doc.createElement('a')
  anchor.href = url
  anchor.download = name
  anchor.rel = 'noopener'
  anchor.style.display = 'none'
  doc.body.append(anchor)
  anchor.click()
  anchor.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
