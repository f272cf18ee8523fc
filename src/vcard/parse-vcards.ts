import { streamVCards, VCardReceiver, type VCardStreamStart } from './vcard-stream.ts'
import { isParseReply, type ParseRequest } from './vcard-worker-protocol.ts'

const cancelled = () => new DOMException('The import was cancelled.', 'AbortError')

/**
 * Reads a vCard file in a Web Worker (a new one per file, ended when done or on `signal`), so the
 * page keeps answering while a big file is read. Resolves once the whole file was checked: with
 * its problems, or with a feed its contacts arrive in while the worker reads them. Where there
 * are no workers it reads in place. The worker starts while `text` is still being read.
 */
export async function readVCardsOffThread(
  text: string | Promise<string>,
  signal?: AbortSignal,
): Promise<VCardStreamStart> {
  const receiver = new VCardReceiver()
  if (signal?.aborted) throw cancelled()
  if (typeof Worker === 'undefined') {
    streamVCards(await text, (reply) => receiver.receive(reply))
    return receiver.started
  }
  const worker = new Worker(new URL('./vcard-worker.ts', import.meta.url), { type: 'module' })
  const finish = () => {
    worker.terminate()
    signal?.removeEventListener('abort', onAbort)
  }
  const stop = (error: unknown) => {
    finish()
    receiver.fail(error)
  }
  const onAbort = () => stop(cancelled())
  signal?.addEventListener('abort', onAbort)
  worker.onmessage = (event: MessageEvent<unknown>) => {
    if (!isParseReply(event.data))
      return stop(new Error('The vCard reader gave an answer that is not valid.'))
    try {
      if (receiver.receive(event.data)) finish()
    } catch (error) {
      stop(error)
    }
  }
  worker.onerror = (event) => {
    stop(new Error(`The vCard reader stopped: ${event.message || 'unknown error'}`))
  }
  try {
    const whole = await text
    if (signal?.aborted) return await receiver.started
    worker.postMessage({ v: 2, kind: 'parse', text: whole } satisfies ParseRequest)
  } catch (error) {
    stop(error)
  }
  return receiver.started
}
