import * as Automerge from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { DOCUMENT_KINDS } from '../../../src/app/document-kinds.ts'
import { rootDocsRegistrar } from '../../../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../../../src/crdt/chat/workplace-chat.ts'
import {
  createMemoryRecordStore,
  type RecordStore,
} from '../../../src/crdt/membership/record-store.ts'
import { createManualReachability } from '../../../src/crdt/sync/reachability.ts'
import { WorkplaceSync } from '../../../src/crdt/sync/workplace-sync.ts'
import { createMemoryConfirmedHeadsStore } from '../../../src/crdt/sync/confirmed-heads-store.ts'
import type { Workplace } from '../../../src/crdt/workplace/workplace.ts'
import { createMemoryWorkplaceList } from '../../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../../src/peer/identity/identity.ts'
import type { PeerId } from '../../../src/peer/ids.ts'
import { createLink } from '../../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../../src/peer/mesh/mesh.ts'
import type { MeshPort } from '../../../src/peer/mesh/mesh-port.ts'
import { createMeshPort } from '../../../src/peer/mesh/mesh-port-adapter.ts'
import { createPresence, type Presence } from '../../../src/peer/mesh/presence.ts'
import { createCarrierSignaling } from '../../../src/peer/signaling/carrier-signaling.ts'
import { CombinedSignaling } from '../../../src/peer/signaling/combined-signaling.ts'
import { OpenSessions } from '../../../src/peer/signaling/open-sessions.ts'
import { createRelayCarrier, type RelayCarrier } from '../../../src/peer/signaling/relay-carrier.ts'
import { FakeSignalingHub } from '../../support/fake-signaling.ts'
import { InProcessFirst } from '../../support/in-process-first.ts'

/**
 * A lightweight member: the project's own stack (identity, relay signaling, mesh with presence,
 * workplace documents, sync status, chat) in a Node process with others, no storage or files.
 * Its first-contact signaling is the relay (WebRTC through @roamhq/wrtc) combined with an
 * in-process hub; dials to members of this process, however signalled, are in-memory pipes, and
 * dials to anyone else (the browsers) are WebRTC, over the relay or through the mesh.
 */
export interface LightMember {
  readonly name: string
  readonly identity: Identity
  readonly relay: RelayCarrier
  readonly mesh: Mesh
  readonly presence: Presence
  readonly port: MeshPort
  readonly stack: WorkplaceStack
  readonly records: RecordStore
  /** Signals that reached it through the mesh, by sender. */
  readonly viaMesh: Map<PeerId, number>
  wp?: Workplace
  sync?: WorkplaceSync
  chat?: WorkplaceChat
  /** Goes away without presence's goodbye: links and signaling closed, documents dropped. */
  crash(): Promise<void>
  close(): Promise<void>
}

const quiet = () => undefined

/** Lightweight members of one process, meeting each other in `hub` and browsers on a relay. */
export class LightFleet {
  readonly hub = new FakeSignalingHub()
  readonly members: LightMember[] = []
  readonly #relayUrl: string

  constructor(relayUrl: string) {
    this.#relayUrl = relayUrl
  }

  /** The members still running. */
  live(): LightMember[] {
    return this.members.filter((m) => this.hub.has(m.identity.peerId))
  }

  start(name: string, identity: Identity): LightMember {
    const self = identity.peerId
    const relay = createRelayCarrier({ url: this.#relayUrl, identity, WebSocket })
    const options = { self, iceServers: [], wrtc, log: quiet, openSessions: new OpenSessions() }
    const signaling = new CombinedSignaling([
      this.hub.signaling(self),
      createCarrierSignaling(relay, options),
    ])
    const viaMesh = new Map<PeerId, number>()
    let authorize: (peer: PeerId) => boolean = () => true
    const mesh = createMesh({
      identity,
      signaling,
      createLink: (args) => createLink({ ...args, options: { log: quiet } }),
      createMeshSignaling: (carrier) => {
        carrier.on('signal', ({ from }) => viaMesh.set(from, (viaMesh.get(from) ?? 0) + 1))
        return new InProcessFirst(this.hub, self, createCarrierSignaling(carrier, options))
      },
      authorize: (peer) => authorize(peer),
      options: { log: quiet },
    })
    const presence = createPresence({ mesh, options: { log: quiet } })
    const port = createMeshPort({ mesh, presence, topics: signaling, log: quiet })
    const records = createMemoryRecordStore()
    const stack = createWorkplaceStack({
      identity,
      mesh: port,
      list: createMemoryWorkplaceList(),
      records,
      displayName: () => name,
      kinds: DOCUMENT_KINDS,
    })
    authorize = (peer) => stack.workplaces.authorizeLink(peer)
    mesh.reauthorize()
    const hub = this.hub
    const member: LightMember = {
      name,
      identity,
      relay,
      mesh,
      presence,
      port,
      stack,
      records,
      viaMesh,
      async crash() {
        hub.remove(self)
        signaling.close()
        mesh.close()
        relay.close()
        await shutdown(member)
      },
      async close() {
        if (hub.has(self)) presence.announceLeaving()
        hub.remove(self)
        mesh.close()
        signaling.close()
        relay.close()
        await shutdown(member)
      },
    }
    this.members.push(member)
    stack.workplaces.on('change', () => {
      const wp = stack.workplaces.list()[0]
      if (wp && !member.wp && wp.isMember(self)) follow(member, wp)
    })
    return member
  }

  /**
   * Makes `owner`'s workplace with every other member of the fleet added by the owner, and
   * hands each of them the root document as it stands (as a restored device would hold it), so
   * that fifty members do not queue for one join each. Resolves once every member opened it.
   */
  async createWorkplace(owner: LightMember, name: string): Promise<Workplace> {
    const wp = await owner.stack.workplaces.create(name)
    for (const member of this.members) if (member !== owner) await wp.add(member.identity.peerId)
    const bytes = Automerge.save(wp.handle.doc())
    const records = Object.entries(wp.handle.doc().records)
    await Promise.all(
      this.members
        .filter((member) => member !== owner)
        .map(async (member) => {
          for (const [id, record] of records) await member.records.put(wp.id, id, record)
          member.stack.repo.import(bytes, { docId: wp.handle.documentId })
          await member.stack.workplaces.adopt(wp.id, wp.handle.url, name, owner.identity.peerId)
        }),
    )
    return wp
  }

  async close(): Promise<void> {
    for (const member of this.members) await member.close().catch(() => undefined)
  }
}

/** Keeps the member's sync status and chat for its workplace, as the keeper does. */
function follow(member: LightMember, wp: Workplace): void {
  member.wp = wp
  const sync = new WorkplaceSync({
    workplace: wp.id,
    mesh: member.port,
    members: () => [...wp.membership.members.keys()],
    reach: createManualReachability(true),
    handles: () => [...wp.handles(), ...(member.chat?.handles() ?? [])],
    store: createMemoryConfirmedHeadsStore(),
  })
  member.sync = sync
  wp.handle.on('change', () => sync.changed())
  void WorkplaceChat.open({
    workplace: wp,
    repo: member.stack.repo,
    register: rootDocsRegistrar(wp.handle),
    push: (handle) => member.stack.changes.push(handle),
  }).then(
    (chat) => (member.chat = chat),
    (error: unknown) => console.error(`${member.name}: the chat did not open`, error),
  )
}

async function shutdown(member: LightMember): Promise<void> {
  member.sync?.close()
  await member.chat?.close()
  member.presence.close()
  await member.stack.shutdown()
}

/** A document's heads as the app's pages show them (hex hashes, sorted). */
export function headsOf(handle: DocHandle<unknown>): string {
  return [...Automerge.getHeads(handle.doc() as Automerge.Doc<unknown>)].sort().join('.')
}
