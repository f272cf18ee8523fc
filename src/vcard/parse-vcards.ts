import { readVCards, type VCardImport } from './vcard-read.ts'
import { isParseReply, type ParseRequest } from './vcard-worker-protocol.ts'

/**
 * Reads a vCard file in a Web Worker (a new one per file, ended when done or on `signal`), so the
 * page keeps answering while a big file is parsed. Where there are no workers it reads in place.
 */
export function parseVCardsOffThread(text: string, signal?: AbortSignal): Promise<VCardImport> {
  if (typeof Worker === 'undefined') return Promise.resolve(readVCards(text))
  return new Promise<VCardImport>((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('The import was cancelled.', 'AbortError'))
    const worker = new Worker(new URL('./vcard-worker.ts', import.meta.url), { type: 'module' })
    const finish = () => {
      worker.terminate()
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      finish()
      reject(new DOMException('The import was cancelled.', 'AbortError'))
    }
    signal?.addEventListener('abort', onAbort)
    worker.onmessage = (event: MessageEvent<unknown>) => {
      finish()
      if (isParseReply(event.data)) resolve(event.data)
      else reject(new Error('The vCard reader gave an answer that is not valid.'))
    }
    worker.onerror = (event) => {
      finish()
      reject(new Error(`The vCard reader stopped: ${event.message || 'unknown error'}`))
    }
    worker.postMessage({ v: 1, kind: 'parse', text } satisfies ParseRequest)
  })
}
