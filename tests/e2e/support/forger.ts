import {
  ImmutableString,
  parseAutomergeUrl,
  type AutomergeUrl,
  type DocHandle,
} from '@automerge/automerge-repo'
import { getHeads } from '@automerge/automerge'
import { claimText, formatProof, type Claim } from '../../../src/peer/identity/record-proof.ts'
import {
  encodeNote,
  encodeProofNote,
  type ChangeNote,
} from '../../../src/crdt/contacts/change-note.ts'
import { changeClaim } from '../../../src/crdt/contacts/change-proof.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  readText,
  stored,
  type ContactsDoc,
} from '../../../src/crdt/contacts/contacts-doc.ts'
import {
  deleteClaim,
  editClaim,
  messageClaim,
  reactionClaim,
  receiptClaim,
} from '../../../src/crdt/chat/chat-claims.ts'
import { CHAT_DOC_KIND, initialChatIndex, type ShardDoc } from '../../../src/crdt/chat/chat-doc.ts'
import { formatHlc, hlcTime } from '../../../src/crdt/chat/hlc.ts'
import type { ChatMessage } from '../../../src/crdt/chat/message-view.ts'
import type { ReceiptKind } from '../../../src/crdt/chat/receipts.ts'
import { shardDocumentId } from '../../../src/crdt/chat/shard-doc.ts'
import { rootDocsRegistrar } from '../../../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../../../src/crdt/chat/workplace-chat.ts'
import { randomId } from '../../../src/crdt/membership/sign.ts'
import {
  aboutClaim,
  profileClaim,
  type AboutField,
} from '../../../src/crdt/workplace/signed-about.ts'
import type { Workplace } from '../../../src/crdt/workplace/workplace.ts'
import { entryClaim } from '../../../src/files/file-claims.ts'
import type { HashHex } from '../../../src/files/hashing.ts'
import {
  FILES_DOC_KIND,
  initialFilesDoc,
  storedEntry,
  type FilesDoc,
} from '../../../src/files/files-doc.ts'
import type { PeerId } from '../../../src/peer/ids.ts'
import { until } from '../../support/until.ts'
import { joinByInvite, startNodeDevice, type NodeDevice } from './node-device.ts'

/**
 * How a forged record carries its proof: none at all (as before records were signed), or one in
 * the right format made with the forger's own key over a claim that names someone else.
 */
export type ForgedProof = 'none' | 'own-key'

/** The documents the forger's device opens, as the app's own device does. */
const FORGER_KINDS = new Map<string, () => unknown>([
  [CHAT_DOC_KIND, initialChatIndex],
  [CONTACTS_DOC_KIND, initialContactsDoc],
  [FILES_DOC_KIND, initialFilesDoc],
])

const s = (text: string) => new ImmutableString(text)

/**
 * A modified member device: the project's own stack in Node (over @roamhq/wrtc, through the
 * app's relay), a genuine member that otherwise behaves (its chat is open and writes its own
 * receipts), which writes records in other members' names straight into the workplace's
 * Automerge documents, as a tampered client would. Its own honest writes (`chat.send`,
 * `wp.setProfileName`) made after forgeries reach others only together with them, so a test
 * can wait for one of those before looking for the forgeries' effect.
 */
export class Forger {
  private constructor(
    readonly device: NodeDevice,
    readonly wp: Workplace,
    readonly chat: WorkplaceChat,
  ) {}

  /** Starts the device, joins by the invite link and opens the chat. */
  static async join(baseUrl: string, invite: string, name: string): Promise<Forger> {
    const device = await startNodeDevice(baseUrl, name, undefined, FORGER_KINDS)
    try {
      const wp = await joinByInvite(device, invite)
      const chat = await WorkplaceChat.open({
        workplace: wp,
        repo: device.stack.repo,
        register: rootDocsRegistrar(wp.handle),
        push: (handle) => device.stack.changes.push(handle),
      })
      return new Forger(device, wp, chat)
    } catch (error) {
      await device.close()
      throw error
    }
  }

  get peer(): PeerId {
    return this.device.identity.peerId
  }

  /** Waits until this device holds a message with `text` (as its reader shows it). */
  message(text: string, timeoutMs = 20_000): Promise<ChatMessage> {
    return until(
      () => this.chat.messages().find((m) => m.text === text),
      `the forger's device to hold the message "${text}"`,
      timeoutMs,
    )
  }

  /** Posts `text` as `author`, into the shard that holds `near`; returns the new message's ID. */
  async postAs(author: PeerId, text: string, near: ChatMessage, how: ForgedProof) {
    const id = randomId()
    const t = formatHlc(Date.now(), 0)
    const proof = await this.#prove(messageClaim(near.shard, id, author, t, text, undefined), how)
    await this.#writeShard(near.shard, (d) => {
      d.messages[id] = { a: s(author), t: s(t), x: s(text), ...withProof(proof), re: {} }
    })
    return id
  }

  /** Posts `text` under `original`'s author, timestamp and (genuine) proof. */
  async replay(original: ChatMessage, text: string): Promise<string> {
    const id = randomId()
    await this.#writeShard(original.shard, (d) => {
      const from = d.messages[original.id]!
      d.messages[id] = { a: from.a, t: from.t, x: s(text), ...withProof(from.s), re: {} }
    })
    return id
  }

  /** Writes an edit of `message` in its author's name. */
  async editAs(message: ChatMessage, text: string, how: ForgedProof): Promise<void> {
    const t = after(message)
    const proof = await this.#prove(
      editClaim(message.shard, message.id, message.author, t, text),
      how,
    )
    await this.#writeShard(message.shard, (d) => {
      const m = d.messages[message.id]!
      m.ed ??= {}
      m.ed[message.author] = { x: s(text), t: s(t), ...withProof(proof) }
    })
  }

  /** Writes a deletion of `message` in its author's name (its stored text is left as it is). */
  async deleteAs(message: ChatMessage, how: ForgedProof): Promise<void> {
    const t = after(message)
    const proof = await this.#prove(deleteClaim(message.shard, message.id, message.author, t), how)
    await this.#writeShard(message.shard, (d) => {
      const m = d.messages[message.id]!
      m.del ??= {}
      m.del[message.author] = proof ? { t: s(t), s: proof } : s(t)
    })
  }

  /** Overwrites `message`'s stored text in place, keeping its author's proof. */
  async rewriteText(message: ChatMessage, text: string): Promise<void> {
    await this.#writeShard(message.shard, (d) => {
      d.messages[message.id]!.x = s(text)
    })
  }

  /** Removes `message` (its key, with everything under it) from its shard. */
  async removeMessage(message: ChatMessage): Promise<void> {
    await this.#writeShard(message.shard, (d) => {
      delete d.messages[message.id]
    })
  }

  /** Reacts to `message` in `peer`'s name. */
  async reactAs(peer: PeerId, message: ChatMessage, emoji: string, how: ForgedProof) {
    const proof = await this.#prove(reactionClaim(message.shard, message.id, peer, emoji), how)
    await this.#writeShard(message.shard, (d) => {
      d.messages[message.id]!.re[`${peer} ${emoji}`] = proof ?? true
    })
  }

  /**
   * Takes `peer`'s reaction to `message` away: removes it from the document (`remove`), or
   * writes a take-back in `peer`'s name, newer than anything `peer` wrote.
   */
  async takeBackAs(peer: PeerId, message: ChatMessage, emoji: string, how: ForgedProof | 'remove') {
    const key = `${peer} ${emoji}`
    if (how === 'remove') {
      await this.#writeShard(message.shard, (d) => {
        delete d.messages[message.id]!.re[key]
      })
      return
    }
    const state = { on: false, hlc: formatHlc(Date.now() + 60_000, 0) }
    const proof = await this.#prove(
      reactionClaim(message.shard, message.id, peer, emoji, state),
      how,
    )
    const value = `${state.hlc} off${proof ? ` ${proof.val}` : ''}`
    await this.#writeShard(message.shard, (d) => {
      d.messages[message.id]!.re[key] = s(value)
    })
  }

  /** Writes `reader`'s receipt mark for `message`'s author, at a time after `message`. */
  async receiptAs(reader: PeerId, kind: ReceiptKind, message: ChatMessage, how: ForgedProof) {
    const t = after(message)
    const claim = receiptClaim(message.shard, kind, reader, message.author, t)
    const proof = await this.#prove(claim, how)
    await this.#writeShard(message.shard, (d) => {
      d[kind][`${reader} ${message.author}`] = s(proof ? `${t} ${proof.val}` : t)
    })
  }

  /**
   * Sets the workplace's name or description every way a member could: the plain field older
   * versions read, a record of its own signed with its own key (it is no owner), and a record in
   * `owner`'s name (replacing any that owner wrote).
   */
  async setAbout(field: AboutField, value: string, owner: PeerId): Promise<void> {
    const t = Date.now()
    const { peer: _self, ...own } = aboutClaim(field, this.peer, value, t)
    const ownProof = await this.wp.authorship.sign(own)
    const ownerProof = (await this.#prove(aboutClaim(field, owner, value, t), 'own-key'))!
    this.#writeRoot((d) => {
      d[field] = value
      d.about ??= {}
      d.about[field] ??= {}
      d.about[field][this.peer] = { v: value, t, s: ownProof }
      d.about[field][owner] = { v: value, t, s: ownerProof.val }
    })
  }

  /** Replaces `peer`'s display name. */
  async renameMember(peer: PeerId, name: string, how: ForgedProof): Promise<void> {
    const updatedAt = Date.now()
    const proof = await this.#prove(profileClaim(peer, name, updatedAt), how)
    this.#writeRoot((d) => {
      d.profiles[peer] = { name, updatedAt, ...(proof ? { s: proof.val } : {}) }
    })
  }

  /**
   * Lists a file as added by `author`: a version record naming `author` as its adder, either
   * unsigned or signed with the forger's own key. Returns the record's ID.
   */
  async addFileAs(author: PeerId, name: string, how: ForgedProof): Promise<string> {
    const id = randomId()
    const addedAt = Date.now()
    const content = {
      name,
      type: 'application/pdf',
      size: 4096,
      fileId: 'ab'.repeat(32) as HashHex,
    }
    const proof = await this.#prove(entryClaim(id, author, content, addedAt), how)
    const handle = await this.wp.openDoc<FilesDoc>(FILES_DOC_KIND)
    handle.change((d) => {
      d.entries[id] = storedEntry({ ...content, addedBy: author, addedAt }, proof?.val)
    })
    this.device.stack.changes.push(handle as DocHandle<unknown>)
    return id
  }

  /**
   * Sets a field of the contact whose given name is `given`, in a change whose writer note names
   * `author`; with 'own-key' the change's proof follows as the app's does, signed by the forger.
   */
  async editContactAs(
    author: PeerId,
    given: string,
    field: 'org' | 'title',
    value: string,
    how: ForgedProof,
  ): Promise<void> {
    const handle = await this.wp.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
    const id = await until(
      () =>
        Object.entries(handle.doc()?.contacts ?? {}).find(
          ([, c]) => readText(c.given) === given,
        )?.[0],
      `the forger's device to hold the contact ${given}`,
    )
    const at = Math.floor(Date.now() / 1000)
    const note: ChangeNote = { by: author, op: 'edit', contacts: [id], fields: [field] }
    handle.change(
      (d) => {
        d.contacts[id]![field] = stored(value)
      },
      { message: encodeNote(note), time: at },
    )
    const hash = getHeads(handle.doc())[0]!
    const claim = changeClaim(hash, note, at)
    const proof = claim ? await this.#prove(claim, how) : undefined
    if (proof) {
      handle.change(
        (d) => {
          d.proofs ??= {}
          d.proofs[hash] = proof
        },
        { message: encodeProofNote({ of: hash, s: proof.val }), time: at },
      )
    }
    this.device.stack.changes.push(handle as DocHandle<unknown>)
  }

  async close(): Promise<void> {
    await this.chat.close()
    await this.device.close()
  }

  /** A stored proof for a claim that may name someone else, made with this device's key. */
  async #prove(claim: Claim, how: ForgedProof): Promise<ImmutableString | undefined> {
    if (how === 'none') return undefined
    const clock = this.wp.membership.clock
    const text = claimText(this.wp.id, claim, clock)
    const signature = await this.device.identity.sign(new TextEncoder().encode(text))
    return s(formatProof(clock, signature))
  }

  async #writeShard(key: string, edit: (doc: ShardDoc) => void): Promise<void> {
    const index = parseAutomergeUrl(this.wp.doc!.docs[CHAT_DOC_KIND] as AutomergeUrl)
    const handle = await this.device.stack.repo.find<ShardDoc>(
      shardDocumentId(index.documentId, key),
    )
    handle.change(edit)
    this.device.stack.changes.push(handle as DocHandle<unknown>)
  }

  #writeRoot(edit: (doc: NonNullable<Workplace['doc']>) => void): void {
    this.wp.handle.change(edit)
    this.device.stack.changes.push(this.wp.handle as DocHandle<unknown>)
  }
}

/** A timestamp just after `message`'s and no earlier than now. */
function after(message: ChatMessage): string {
  return formatHlc(Math.max(Date.now(), hlcTime(message.hlc) + 1), 0)
}

function withProof(proof: ImmutableString | undefined): { s?: ImmutableString } {
  return proof ? { s: proof } : {}
}
