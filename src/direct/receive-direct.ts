import type { PeerId } from '../peer/ids.ts'
import type { ContactList } from './contact-list.ts'
import type { Conversations } from './conversations.ts'
import type { DirectFiles } from './direct-files.ts'
import type { DirectMessage } from './direct-model.ts'
import type { DirectWire } from './direct-protocol.ts'
import type { Outbox } from './outbox.ts'

/** What handling one inbound direct message touches. */
export interface ReceiveContext {
  self: PeerId
  now: () => number
  contacts: ContactList
  conversations: Conversations
  files: DirectFiles
  outbox: Outbox
  send: (peer: PeerId, wire: DirectWire) => boolean
  /** Whether the person is looking at the conversation (its messages are read at once). */
  viewing: (peer: PeerId) => boolean
  incoming: (peer: PeerId, message: DirectMessage) => void
  log: (message: string) => void
}

/**
 * Applies one valid message from `peer`. A message with an ID is acked once it is stored (or
 * found stored already: a repeat); if storing fails it is not acked, so the sender retries.
 */
async function receiveDirect(
  context: ReceiveContext,
  peer: PeerId,
  wire: DirectWire,
): Promise<void> {
  const c = context
  try {
    switch (wire.t) {
      case 'hello':
        return await c.contacts.hello(peer, wire.name, wire.key)
      case 'ack':
        return await c.outbox.acked(peer, wire.ids)
      case 'answer':
        await c.files.onAnswer(peer, wire)
        break
      case 'withdraw':
        await c.files.onWithdraw(peer, wire)
        break
      case 'offer':
        if (await c.files.onOffer(peer, wire)) await stored(c, peer, wire.id)
        break
      case 'text':
      case 'invite': {
        const base = {
          peer,
          id: wire.id,
          author: peer,
          sentAt: wire.at,
          at: c.now(),
          delivery: 'received',
          unread: !c.viewing(peer),
        } as const
        const message: DirectMessage =
          wire.t === 'text'
            ? { ...base, kind: 'text', text: wire.text }
            : { ...base, kind: 'invite', workplace: wire.workplace, url: wire.url }
        if (await c.conversations.add(message)) await stored(c, peer, wire.id)
        break
      }
    }
    c.send(peer, { t: 'ack', ids: [wire.id] })
  } catch (error) {
    c.log(`could not keep a message from ${peer}: ${String(error)}`)
  }
}

/** A new message of the conversation was kept: counts and notifications. */
async function stored(c: ReceiveContext, peer: PeerId, id: string): Promise<void> {
  const message = await c.conversations.get(peer, peer, id)
  if (!message) return
  await c.contacts.messaged(peer, message.at, message.unread)
  c.incoming(peer, message)
}

/**
 * Applies each peer's messages one after another, in the order they arrived (an offer before
 * its withdrawal); different peers do not wait for each other.
 */
export class InboundQueue {
  readonly #context: ReceiveContext
  readonly #chains = new Map<PeerId, Promise<void>>()

  constructor(context: ReceiveContext) {
    this.#context = context
  }

  push(peer: PeerId, wire: DirectWire): void {
    const previous = this.#chains.get(peer) ?? Promise.resolve()
    const next = previous.then(() => receiveDirect(this.#context, peer, wire))
    this.#chains.set(peer, next)
    void next.then(() => {
      if (this.#chains.get(peer) === next) this.#chains.delete(peer)
    })
  }
}
