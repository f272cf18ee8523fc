import { hopMark } from '../../lib/hop-marks.ts'
import type { Workplace } from '../workplace/workplace.ts'
import {
  fromPortError,
  type FromDocumentsWorker,
  type ToDocumentsWorker,
} from './documents-worker-protocol.ts'
import { RemoteChat } from './remote-chat.ts'

/**
 * How a feature hosted in the documents worker (its chats, its contact books) reaches it;
 * DocumentsWorkerHost gives these.
 */
export interface HostChannel {
  post(message: ToDocumentsWorker): void
  /** Sends what `send` posts with a fresh call ID; resolves with the worker's reply. */
  call(send: (id: number) => void): Promise<unknown>
  /** Has the worker told of the workplace (its snapshot sent, if it changed). */
  tell(workplace: Workplace): void
}

interface HostedChat {
  remote: RemoteChat
  opened: { resolve: (chat: RemoteChat) => void; reject: (error: Error) => void }
}

/**
 * The page's side of the chats held in the documents worker: one RemoteChat per workplace,
 * opened there on first call and kept up to date by the worker's view updates.
 */
export class HostedChats {
  readonly #channel: HostChannel
  readonly #open = new Map<string, HostedChat>()

  constructor(channel: HostChannel) {
    this.#channel = channel
  }

  /** The chat of a workplace; resolves with the worker's first view of it. */
  open(workplace: Workplace): Promise<RemoteChat> {
    const open = this.#open.get(workplace.id)
    if (open) return Promise.resolve(open.remote)
    const channel = this.#channel
    return new Promise<RemoteChat>((resolve, reject) => {
      const remote = new RemoteChat({
        self: workplace.self,
        call: (request) =>
          channel.call((id) =>
            channel.post({ t: 'call', id, workplace: workplace.id, ...request }),
          ),
        close: () => this.#close(workplace.id),
      })
      this.#open.set(workplace.id, { remote, opened: { resolve, reject } })
      channel.tell(workplace)
    })
  }

  /** Whether the workplace's chat was asked for (the worker is to open it). */
  has(workplace: string): boolean {
    return this.#open.has(workplace)
  }

  /** The chat's part of the worker's messages. */
  receive(message: Extract<FromDocumentsWorker, { t: 'view' | 'failed' }>): void {
    const chat = this.#open.get(message.workplace)
    if (!chat) return
    if (message.t === 'failed') return chat.opened.reject(fromPortError(message.error))
    hopMark('p-update', '')
    for (const m of message.update.messages) hopMark('p-view', m.text)
    chat.remote.apply(message.update)
    for (const m of message.update.messages) hopMark('p-applied', m.text)
    chat.opened.resolve(chat.remote)
  }

  /** The workplace was left or the page shuts down: its chat is no longer kept up to date. */
  forget(workplace?: string): void {
    if (workplace === undefined) this.#open.clear()
    else this.#open.delete(workplace)
  }

  /** The worker broke: chats still opening fail. */
  failAll(error: Error): void {
    for (const chat of this.#open.values()) chat.opened.reject(error)
  }

  async #close(workplace: string): Promise<void> {
    if (!this.#open.delete(workplace)) return
    await this.#channel.call((id) => this.#channel.post({ t: 'close-chat', workplace, id }))
  }
}
