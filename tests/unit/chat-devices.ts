/** Devices of one workplace on the in-memory mesh, each with its chat, for the chat tests. */
import { parseAutomergeUrl, type AutomergeUrl, type DocHandle } from '@automerge/automerge-repo'
import { CHAT_DOC_KIND, initialChatIndex, type ShardDoc } from '../../src/crdt/chat/chat-doc.ts'
import { shardDocumentId } from '../../src/crdt/chat/shard-doc.ts'
import { rootDocsRegistrar } from '../../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat, type WorkplaceChatOptions } from '../../src/crdt/chat/workplace-chat.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub, type MemoryMesh } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, TEST_HISTORY_DELAYS } from '../support/test-device.ts'
import { until } from '../support/until.ts'

export interface ChatDevice {
  name: string
  identity: Identity
  peer: PeerId
  port: MemoryMesh
  stack: WorkplaceStack
  wp: Workplace
  chat: WorkplaceChat
}

type ChatTuning = Partial<Omit<WorkplaceChatOptions, 'workplace' | 'repo' | 'register'>>

/** A mutable clock the tests move by hand. */
export class TestClock {
  t = Date.UTC(2030, 0, 7, 9)
  readonly now = () => this.t
}

const JOIN_WAIT_MS = 10_000

export class ChatWorld {
  readonly hub = new MemoryMeshHub()
  readonly clock = new TestClock()
  readonly #cleanup: (() => unknown)[] = []
  readonly #held = new Map<PeerId, (peer: PeerId) => boolean>()

  /** Devices named `names`; the first creates the workplace and the others join it. */
  async devices(
    names: string[],
    index: { bucketMs?: number; shardLimit?: number } = {},
    tuning: ChatTuning = {},
  ): Promise<ChatDevice[]> {
    const bare = await Promise.all(names.map((name) => this.device(name, index)))
    const owner = bare[0]!
    const wp = await owner.stack.workplaces.create('Acme')
    const invite = await wp.createInvite({ expiresInMs: 60_000, maxUses: names.length })
    const link = linkTo(wp, invite)
    const wps = [wp]
    for (const dev of bare.slice(1)) {
      dev.stack.joins.start(link)
      // A join whose first ask is lost asks again after 4 s (JoinFlow's retry), so give it two.
      const joined = await until(
        () => dev.stack.workplaces.get(wp.id),
        `${dev.name} to join`,
        JOIN_WAIT_MS,
      )
      wps.push(joined!)
    }
    await until(
      () => wps.every((w) => w.membership.members.size === names.length),
      'everyone to see every member',
    )
    return Promise.all(
      bare.map(async (dev, i) => {
        const chat = await this.openChat(dev.stack, wps[i]!, tuning)
        return { ...dev, wp: wps[i]!, chat }
      }),
    )
  }

  async openChat(stack: WorkplaceStack, wp: Workplace, tuning: ChatTuning = {}) {
    const chat = await WorkplaceChat.open({
      workplace: wp,
      repo: stack.repo,
      register: rootDocsRegistrar(wp.handle),
      push: (handle) => stack.changes.push(handle),
      now: this.clock.now,
      receiptDelayMs: 5,
      receiptIntervalMs: 5,
      historyDelays: TEST_HISTORY_DELAYS,
      ...tuning,
    })
    this.#cleanup.push(() => chat.close())
    return chat
  }

  /** The device drops its links and refuses new ones, as if it went offline. */
  away(dev: ChatDevice): void {
    this.#held.set(dev.peer, dev.port.authorize)
    dev.port.authorize = () => false
    for (const other of this.hub.meshes.keys()) this.hub.unlink(dev.peer, other)
  }

  back(dev: ChatDevice): void {
    dev.port.authorize = this.#held.get(dev.peer) ?? (() => true)
    for (const other of this.hub.meshes.keys()) this.hub.link(dev.peer, other)
  }

  async close(): Promise<void> {
    for (const fn of this.#cleanup.splice(0).reverse()) await fn()
  }

  /** A device in no workplace yet. */
  async device(name: string, index: { bucketMs?: number; shardLimit?: number } = {}) {
    const dev = await createTestDevice(this.hub, name, {
      kinds: new Map([[CHAT_DOC_KIND, () => initialChatIndex(index)]]),
    })
    this.#cleanup.push(() => dev.stack.shutdown())
    return { ...dev, peer: dev.identity.peerId }
  }
}

/** A device's handle on one of the workplace's chat shards, found as any peer would. */
export async function shardHandle(dev: ChatDevice, key: string): Promise<DocHandle<ShardDoc>> {
  const index = parseAutomergeUrl(dev.wp.doc!.docs[CHAT_DOC_KIND] as AutomergeUrl)
  return dev.stack.repo.find<ShardDoc>(shardDocumentId(index.documentId, key))
}

/** The IDs of a chat's loaded messages, in order. */
export function order(chat: WorkplaceChat): string[] {
  return chat.messages().map((m) => m.id)
}

/**
 * Writes straight into a shard as `forger`'s modified device would, then sends a message of its
 * own, and waits until it (and so the change before it) reached each of `devs`.
 */
export async function forgeInShard(
  forger: ChatDevice,
  shard: string,
  devs: readonly ChatDevice[],
  edit: (doc: ShardDoc) => void,
): Promise<void> {
  const doc = await shardHandle(forger, shard)
  doc.change(edit)
  const marker = await forger.chat.send(`${forger.name} was here.`)
  for (const dev of devs) {
    await until(() => dev.chat.message(marker.id), `${dev.name} to get ${forger.name}’s change`)
  }
}
