import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { messageKey, type DirectMessage, type FileMessage, type FileState } from './direct-model.ts'
import { byTime, type DirectStore } from './direct-store.ts'

export interface ConversationsEvents extends Record<string, unknown> {
  change: { peer: PeerId }
}

/** Messages of one conversation held in memory once it is opened. */
const LOADED_MESSAGES = 500

/**
 * The messages of each conversation: written through to the store, and held in memory for the
 * conversations opened so far (the latest LOADED_MESSAGES of each). Changes to one message are
 * applied one after another, so none is lost.
 */
export class Conversations extends Emitter<ConversationsEvents> {
  readonly #store: DirectStore
  readonly #loaded = new Map<PeerId, DirectMessage[]>()
  readonly #loading = new Map<PeerId, Promise<DirectMessage[]>>()
  readonly #during = new Map<PeerId, Map<string, DirectMessage>>()
  readonly #locks = new Map<string, Promise<unknown>>()

  constructor(store: DirectStore) {
    super()
    this.#store = store
  }

  /** The conversation's messages, oldest first, or undefined when not loaded yet. */
  loaded(peer: PeerId): readonly DirectMessage[] | undefined {
    return this.#loaded.get(peer)
  }

  /** Loads the conversation (once) and resolves with its messages. */
  open(peer: PeerId): Promise<readonly DirectMessage[]> {
    const loaded = this.#loaded.get(peer)
    if (loaded) return Promise.resolve(loaded)
    let loading = this.#loading.get(peer)
    if (!loading) {
      loading = this.#store.messages(peer, LOADED_MESSAGES).then((messages) => {
        // Writes made while loading win over what the store returned.
        const during = this.#during.get(peer) ?? new Map<string, DirectMessage>()
        const merged = [
          ...messages.filter((m) => !during.has(messageKey(m))),
          ...during.values(),
        ].sort(byTime)
        this.#loaded.set(peer, merged)
        this.#loading.delete(peer)
        this.#during.delete(peer)
        this.emit('change', { peer })
        return merged
      })
      loading.catch(() => {
        this.#loading.delete(peer)
        this.#during.delete(peer)
      })
      this.#loading.set(peer, loading)
      this.#during.set(peer, new Map())
    }
    return loading
  }

  /** File messages of every conversation in one state, from the store. */
  filesInState(state: FileState): Promise<FileMessage[]> {
    return this.#store.filesInState(state)
  }

  get(peer: PeerId, author: PeerId, id: string): Promise<DirectMessage | undefined> {
    const key = messageKey({ peer, author, id })
    const held = this.#loaded.get(peer)?.find((m) => messageKey(m) === key)
    return held ? Promise.resolve(held) : this.#store.getMessage(peer, author, id)
  }

  /** Stores a new message unless one with its key exists; resolves whether it was new. */
  add(message: DirectMessage): Promise<boolean> {
    return this.#locked(messageKey(message), async () => {
      if (await this.get(message.peer, message.author, message.id)) return false
      await this.#write(message)
      return true
    })
  }

  /**
   * Changes a stored message; `change` returns the new message, or undefined to leave it.
   * Resolves with the message as it is now (undefined if there is none).
   */
  update(
    peer: PeerId,
    author: PeerId,
    id: string,
    change: (message: DirectMessage) => DirectMessage | undefined,
  ): Promise<DirectMessage | undefined> {
    return this.#locked(messageKey({ peer, author, id }), async () => {
      const current = await this.get(peer, author, id)
      if (!current) return undefined
      const next = change(current)
      if (!next) return current
      await this.#write(next)
      return next
    })
  }

  async #write(message: DirectMessage): Promise<void> {
    await this.#store.putMessage(message)
    const key = messageKey(message)
    this.#during.get(message.peer)?.set(key, message)
    const list = this.#loaded.get(message.peer)
    if (list) {
      const index = list.findIndex((m) => messageKey(m) === key)
      const next = index >= 0 ? list.with(index, message) : [...list, message].sort(byTime)
      this.#loaded.set(message.peer, next)
    }
    this.emit('change', { peer: message.peer })
  }

  #locked<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve()
    const run = previous.then(task, task)
    const settled = run.catch(() => {})
    this.#locks.set(key, settled)
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key)
    })
    return run
  }
}
