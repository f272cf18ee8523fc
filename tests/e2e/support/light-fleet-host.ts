/**
 * The process that hosts the light members of the browser scale run (scale-scenario.ts), forked
 * as node with tsx: fifty devices of the project's stack keep a core busy, and in the driving
 * process they would starve Playwright's driver. Answers FleetRequests over the IPC channel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { SignedRecord } from '../../../src/crdt/membership/record.ts'
import { encodeWorkplaceLink } from '../../../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../../../src/crdt/workplace/workplace.ts'
import type { PeerId } from '../../../src/peer/ids.ts'
import { groupNeighbours } from '../../../src/peer/mesh/topology.ts'
import { createTestIdentity } from '../../support/test-identity.ts'
import { headsOf, LightFleet, type LightMember } from './light-members.ts'
import type {
  FleetReply,
  FleetRequest,
  FleetStatus,
  FromFleet,
  ToFleet,
} from './light-fleet-protocol.ts'

// The stack's notes and warnings (messages refused while a member was still opening the workplace) would
// flood the test's output fifty times over: counted, not printed.
const quiet = () => undefined
Object.assign(console, { warn: quiet, info: quiet, log: quiet, debug: quiet })
const say = (line: string) => process.stderr.write(`light members: ${line}\n`)

let fleet: LightFleet | undefined
let wp: Workplace | undefined
let relayUrl = ''
let newcomer: { member: LightMember; near: PeerId[] } | undefined

// How late the host runs its timers, and how busy it is: fifty members on one core of a shared
// machine are slower than fifty devices would be, and the test says so with its numbers.
const stalls = monitorEventLoopDelay({ resolution: 20 })
stalls.enable()
let since = { at: performance.now(), cpu: process.cpuUsage() }

function load(): { stallMs: number; cpuShare: number } {
  const now = { at: performance.now(), cpu: process.cpuUsage() }
  const used = now.cpu.user + now.cpu.system - since.cpu.user - since.cpu.system
  const share = used / 1000 / Math.max(1, now.at - since.at)
  const stallMs = Math.round(stalls.max / 1e6)
  stalls.reset()
  since = now
  return { stallMs, cpuShare: Math.round(share * 100) / 100 }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what} yet`)
  return value
}

function member(peer: PeerId): LightMember {
  const found = need(fleet, 'fleet').members.find((m) => m.identity.peerId === peer)
  return need(found, `light member ${peer}`)
}

async function handle(request: FleetRequest): Promise<FleetReply> {
  switch (request.t) {
    case 'start': {
      relayUrl = request.relayUrl
      fleet = new LightFleet(relayUrl)
      const identities = await Promise.all(
        Array.from({ length: request.count }, createTestIdentity),
      )
      identities.forEach((id, i) => fleet!.start(`m${String(i + 1).padStart(2, '0')}`, id))
      return { t: 'started', ids: identities.map((id) => id.peerId) }
    }
    case 'workplace': {
      const f = need(fleet, 'fleet')
      // The owner is the highest ID: never the Syncer, so that it can still admit a newcomer.
      const owner = [...f.members].sort((a, b) =>
        a.identity.peerId < b.identity.peerId ? 1 : -1,
      )[0]!
      const started = Date.now()
      wp = await f.createWorkplace(owner, request.name)
      say(`${f.members.length} opened the workplace in ${Date.now() - started} ms`)
      const record = await wp.createInvite({ expiresInMs: 3_600_000, maxUses: 10 })
      const invite = encodeWorkplaceLink(request.appUrl, link(wp, record))
      return {
        t: 'workplace',
        workplace: wp.id,
        root: wp.handle.documentId,
        owner: wp.self,
        invite,
      }
    }
    case 'status':
      return { t: 'status', status: status(request.pages, request.text) }
    case 'crash':
      await member(request.peer).crash()
      return { t: 'done' }
    case 'newcomer': {
      const w = need(wp, 'workplace')
      const members = [...w.membership.members.keys()].filter((p) => !request.avoid.includes(p))
      for (let tries = 0; tries < 500 && !newcomer; tries++) {
        const identity = await createTestIdentity()
        const wanted = groupNeighbours(identity.peerId, [...members, identity.peerId])
        const near = wanted.filter((p) => request.near.includes(p))
        if (near.length === 0) continue
        const m = need(fleet, 'fleet').start('newcomer', identity)
        newcomer = { member: m, near }
        const record = await w.createInvite({ expiresInMs: 3_600_000, maxUses: 1 })
        m.stack.joins.start(link(w, record))
      }
      const n = need(newcomer, 'identity next to a page in 500 tries')
      return { t: 'newcomer', peer: n.member.identity.peerId, near: n.near }
    }
    case 'send': {
      const chat = need(member(request.peer).chat, 'chat open on that member')
      await chat.send(request.text)
      return { t: 'done' }
    }
  }
}

function link(w: Workplace, invite: SignedRecord) {
  return { workplace: w.id, name: w.name, peers: [w.self], endpoints: [relayUrl], invite }
}

function status(pages: readonly PeerId[], text?: string): FleetStatus {
  const live = need(fleet, 'fleet').live()
  const id = need(wp, 'workplace').id
  const distinct = (values: string[]) => [...new Set(values)]
  const linked = live.map((m) =>
    m.mesh.linkedPeers().filter((p) => m.mesh.linkTo(p)?.state === 'open'),
  )
  const toPages = linked.map((peers) => peers.filter((p) => pages.includes(p)).length)
  const all = linked.reduce((sum, peers) => sum + peers.length, 0)
  const webrtc = toPages.reduce((a, b) => a + b, 0)
  const n = newcomer?.member
  return {
    live: live.length,
    heads: distinct(live.map((m) => (m.wp ? headsOf(m.wp.handle) : 'none'))),
    members: distinct(live.map((m) => [...(m.wp?.membership.members.keys() ?? [])].sort().join())),
    syncers: distinct(live.map((m) => m.port.presence.syncer(id) ?? 'none')),
    withText: live.filter((m) => m.chat?.messages().some((message) => message.text === text))
      .length,
    webrtcLinks: webrtc,
    webrtcHolders: toPages.filter((count) => count > 0).length,
    memoryLinks: (all - webrtc) / 2,
    maxLinks: Math.max(...linked.map((peers) => peers.length)),
    ...load(),
    ...(n && newcomer
      ? {
          newcomer: {
            joined: n.wp !== undefined,
            pagesLinked: newcomer.near.filter((p) => n.mesh.linkTo(p)?.state === 'open'),
            viaMesh: Object.fromEntries(newcomer.near.map((p) => [p, n.viaMesh.get(p) ?? 0])),
          },
        }
      : {}),
  }
}

const reply = (message: FromFleet) => process.send?.(message)

process.on('message', (message: ToFleet) => {
  handle(message.request).then(
    (answer) => reply({ id: message.id, reply: answer }),
    (error: unknown) =>
      reply({
        id: message.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  )
})

// The test went away (or asked it to stop by closing the channel): so do the members.
process.on('disconnect', () => {
  void (fleet?.close() ?? Promise.resolve()).finally(() => process.exit(0))
  setTimeout(() => process.exit(0), 3000).unref()
})
