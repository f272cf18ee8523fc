import type {
  HostExtension,
  HostExtensionChannel,
} from '../../crdt/documents-worker/worker-extension.ts'
import type { Workplace } from '../../crdt/workplace/workplace.ts'
import { FILES_DOC_KIND, initialFilesDoc } from '../../files/files-doc.ts'
import type { FilesIndex } from '../../files/files-index.ts'
import { fromPortError } from '../../crdt/documents-worker/documents-worker-protocol.ts'
import { checkFromFilesWorker, FILES_FEATURE, type ToFilesWorker } from './files-worker-protocol.ts'
import { RemoteFilesIndex } from './remote-files-index.ts'

interface Opened {
  index: RemoteFilesIndex
  /** Names this opening in the worker (what it sends of a closed one is dropped). */
  number: number
}

/**
 * The page's side of the file index in the documents worker: opens a workplace's index there
 * (a RemoteFilesIndex), and hands each checked message from the worker to its index.
 */
export class FilesWorkerClient implements HostExtension {
  readonly feature = FILES_FEATURE
  readonly kinds = new Map([[FILES_DOC_KIND, initialFilesDoc]])
  #channel: HostExtensionChannel | undefined
  readonly #opened = new Map<string, Opened>()
  #next = 1

  attach(channel: HostExtensionChannel): void {
    this.#channel = channel
  }

  /** The file index of a workplace, its document opened in the worker (once its state came). */
  open(workplace: Workplace): Promise<FilesIndex> {
    const channel = this.#channel
    if (!channel) return Promise.reject(new Error('the file index is not in the worker'))
    const failure = channel.failure()
    if (failure) return Promise.reject(failure)
    const id = workplace.id
    const known = this.#opened.get(id)
    if (known) return known.index.opened
    const post = (message: ToFilesWorker) => channel.post(message)
    const number = this.#next++
    const index = new RemoteFilesIndex({
      open: () => {
        channel.tell(workplace)
        post({ t: 'files-open', workplace: id, index: number })
      },
      call: (call) =>
        channel.call(
          (n) => ({ t: 'files-call', id: n, workplace: id, call }) satisfies ToFilesWorker,
        ),
      close: async () => {
        if (this.#opened.get(id)?.index === index) this.#opened.delete(id)
        await channel.call(
          (n) => ({ t: 'files-close', id: n, workplace: id }) satisfies ToFilesWorker,
        )
      },
    })
    this.#opened.set(id, { index, number })
    index.opened.catch(() => {
      if (this.#opened.get(id)?.index === index) this.#opened.delete(id)
    })
    return index.opened
  }

  receive(raw: unknown): void {
    let message
    try {
      message = checkFromFilesWorker(raw)
    } catch (error) {
      return console.error(String(error))
    }
    const opened = this.#opened.get(message.workplace)
    // A message about an opening closed since is dropped.
    if (opened?.number !== message.index) return
    if (message.t === 'files-state') opened.index.apply(message.why, message.state)
    else opened.index.failed(fromPortError(message.error))
  }

  failed(error: Error): void {
    for (const { index } of this.#opened.values()) index.failed(error)
  }
}
