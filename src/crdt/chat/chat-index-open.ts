import type { DocHandle } from '@automerge/automerge-repo'
import { CHAT_DOC_KIND, type ChatIndexDoc } from './chat-doc.ts'

/** What opening a chat's index needs of its workplace. */
interface IndexWorkplace {
  readonly id: string
  openDoc<T>(key: string): Promise<DocHandle<T>>
  on(event: 'change', listener: () => void): () => void
}

/**
 * A member cannot start the chat of a workplace made before chat existed: wait for an owner (or,
 * having just joined, for the workplace's documents to arrive), until `signal` gives up.
 */
export async function openIndex(
  workplace: IndexWorkplace,
  signal: AbortSignal | undefined,
): Promise<DocHandle<ChatIndexDoc>> {
  for (;;) {
    signal?.throwIfAborted()
    try {
      return await workplace.openDoc<ChatIndexDoc>(CHAT_DOC_KIND)
    } catch (error) {
      signal?.throwIfAborted()
      console.info(`chat of ${workplace.id} not available yet:`, error)
      await new Promise<void>((resolve) => {
        const done = () => {
          off()
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const off = workplace.on('change', done)
        signal?.addEventListener('abort', done)
      })
    }
  }
}
