import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import type { LinkFactory } from '../../src/peer/mesh/dialer.ts'
import { syncerPresence } from '../../src/peer/mesh/syncer.ts'
import { createMeshNetwork, GROUP, type TestPeer } from '../support/fake-mesh-network.ts'
import { SimClock } from '../support/sim-clock.ts'
import { SimPresenceNetwork, simPeerId } from '../support/sim-presence-network.ts'
import { tapPipe, type PipeTap } from '../support/tap-pipe.ts'

// A Syncer that falls silent (crashed: no goodbye, its links just stop hearing it) hands its
// role over within 2 s, well before its links time out; one that is only busy for a few
// seconds keeps its links and takes the role back when it speaks again.

const FAILOVER_GOAL_MS = 2000

describe('Syncer failover in a simulated group of 16 (fake clock)', () => {
  function formed() {
    const ids = Array.from({ length: 16 }, (_, i) => simPeerId(i)).sort()
    const net = new SimPresenceNetwork(ids)
    net.applyTopology()
    net.clock.advance(5000)
    const syncers = (among: readonly PeerId[]) =>
      among.map((id) => syncerPresence(id, net.nodes.get(id)!.presence).syncer(net.group))
    expect(syncers(ids)).toEqual(ids.map(() => ids[0]))
    // Some members have no link to the Syncer: they learn of its silence from presence gossip.
    expect(
      ids.filter((id) => !net.nodes.get(id)!.mesh.linked.includes(ids[0]!)).length,
    ).toBeGreaterThan(1)
    /** Every Syncer any member named from now on. */
    const named = new Set<PeerId>()
    for (const id of ids) {
      const view = syncerPresence(id, net.nodes.get(id)!.presence)
      view.onOnlineChange(() => named.add(view.syncer(net.group)))
    }
    return { ids, net, syncers, named }
  }

  /** Sim milliseconds until every one of `among` names `syncer` (at most `limitMs`). */
  function until(net: SimPresenceNetwork, agreed: () => boolean, limitMs: number): number {
    let waited = 0
    while (!agreed() && waited < limitMs) {
      net.clock.advance(10)
      waited += 10
    }
    return waited
  }

  it('hands the role over within 2 s when the Syncer falls silent for good', () => {
    const { ids, net, syncers } = formed()
    const rest = ids.slice(1)
    net.silence(ids[0]!)
    const ms = until(net, () => syncers(rest).every((s) => s === ids[1]), 10_000)
    console.info(`handover after a silent crash among 16 (sim): ${ms} ms`)
    expect(ms).toBeLessThanOrEqual(FAILOVER_GOAL_MS)
    // The links are still up: only their timeout may declare them dead.
    const neighbours = rest.filter((id) => net.nodes.get(id)!.mesh.linked.includes(ids[0]!))
    expect(neighbours.length).toBeGreaterThan(0)
  })

  it('a Syncer busy for 3 s keeps its links and takes the role back when it speaks again', () => {
    const { ids, net, syncers } = formed()
    const linksBefore = [...net.nodes.get(ids[0]!)!.mesh.linked].sort()
    net.silence(ids[0]!)
    const handedOver = until(net, () => syncers(ids.slice(1)).every((s) => s === ids[1]), 3000)
    expect(handedOver).toBeLessThanOrEqual(FAILOVER_GOAL_MS)
    net.clock.advance(3000 - handedOver)
    net.speak(ids[0]!)
    const back = until(net, () => syncers(ids).every((s) => s === ids[0]), 5000)
    expect(back).toBeLessThanOrEqual(1000)
    for (const peer of linksBefore) {
      expect(net.nodes.get(peer)!.mesh.linked, 'the neighbours kept their links').toContain(ids[0])
    }
  })

  it('a member whose own thread stalled does not suspect its neighbours', () => {
    const { ids, net, syncers, named } = formed()
    // Every timer of the simulation is late by 2 s, as after a long task on one thread: the
    // links' silence reads 2 s, but what the peers sent meanwhile is still to be read.
    for (const id of ids) {
      for (const peer of net.nodes.get(id)!.mesh.linked) {
        net.nodes.get(id)!.mesh.setSilent(peer, net.clock.now(), () => net.clock.now())
      }
    }
    net.clock.stall(2000)
    net.clock.advance(0)
    for (const id of ids) {
      for (const peer of net.nodes.get(id)!.mesh.linked) {
        net.nodes.get(id)!.mesh.setSilent(peer, undefined, () => net.clock.now())
      }
    }
    net.clock.advance(1000)
    expect(syncers(ids)).toEqual(ids.map(() => ids[0]))
    const others = [...named].filter((syncer) => syncer !== ids[0])
    expect(others, 'nobody named another Syncer meanwhile').toEqual([])
  })
})

describe('Syncer failover over a mesh of real links (memory pipes, fake clock)', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  /**
   * Real links, mesh and presence on one fake clock, whose outgoing frames the test can
   * silence by the peer that sends them. Only the handshakes' signature checks run on their
   * own time: `until` gives them a turn of the event loop at each step of the clock.
   */
  async function silenceableMesh(restartable: boolean) {
    const clock = new SimClock()
    const taps = new Map<PeerId, PipeTap[]>()
    const muted = new Set<PeerId>()
    const factory: LinkFactory = (args) => {
      const tap = tapPipe(args.pipe)
      tap.muted = muted.has(args.identity.peerId) // a silent peer stays silent on new links
      // A restartable pipe (as WebRTC's): a silent peer's link restarts its path, stays open.
      if (restartable) tap.pipe.restartPath = () => {}
      const self = args.identity.peerId
      taps.set(self, [...(taps.get(self) ?? []), tap])
      return createLink({
        ...args,
        pipe: tap.pipe,
        options: { ...args.options, clock, log: () => {} },
      })
    }
    const mute = (peer: PeerId, on: boolean) => {
      if (on) muted.add(peer)
      else muted.delete(peer)
      for (const tap of taps.get(peer) ?? []) tap.muted = on
    }
    network = await createMeshNetwork(4, {
      presence: { clock },
      mesh: { clock },
      createLink: factory,
    })
    const step = async () => {
      clock.advance(10)
      await new Promise((resolve) => setImmediate(resolve))
    }
    /** Fake milliseconds until `agreed` holds; throws with `what` after `limitMs`. */
    const until = async (what: string, agreed: () => boolean, limitMs: number) => {
      let waited = 0
      for (; !agreed(); waited += 10) {
        if (waited >= limitMs) throw new Error(`not within ${limitMs} fake ms: ${what}`)
        await step()
      }
      return waited
    }
    /** Lets `ms` fake milliseconds pass. */
    const pass = async (ms: number) => {
      for (let waited = 0; waited < ms; waited += 10) await step()
    }
    const net = network
    /** Until all four are online and agree on the lowest ID as the Syncer. */
    const settled = () =>
      until(
        'everyone on the first Syncer',
        () =>
          net.peers.every(
            (p) =>
              p.presence!.online(GROUP).length === 4 &&
              syncerPresence(p.id, p.presence!).syncer(GROUP) === net.ids[0],
          ),
        30_000,
      )
    return { net, mute, until, pass, settled }
  }

  const syncerOf = (peer: TestPeer) => syncerPresence(peer.id, peer.presence!).syncer(GROUP)

  it('hands the role over after a crash that says no goodbye, before its links time out', async () => {
    const { net, mute, until, settled } = await silenceableMesh(false)
    await settled()
    // Links to the silent Syncer only. On a loaded machine CI saw links between two of the
    // others drop meanwhile (the fake clock does not wait for what runs on real time, such as
    // a handshake's signature checks): that says nothing of the handover.
    const downs: string[] = []
    for (const peer of net.peers.slice(1)) {
      peer.mesh.on('link-down', ({ peer: p }) => p === net.ids[0] && downs.push(p))
    }
    mute(net.ids[0]!, true)
    const ms = await until(
      'the rest on the next Syncer',
      () => net.peers.slice(1).every((p) => syncerOf(p) === net.ids[1]),
      10_000,
    )
    console.info(`handover after a silent crash over memory pipes: ${ms} fake ms`)
    expect(ms).toBeLessThanOrEqual(FAILOVER_GOAL_MS)
    expect(downs, 'handed over while the links to it were still up').toEqual([])
  })

  it('a Syncer silent for 3 s keeps its links and gets the role back', async () => {
    const { net, mute, until, pass, settled } = await silenceableMesh(true)
    await settled()
    const before = net.peers.slice(1).map((p) => p.mesh.linkTo(net.ids[0]!))
    // Who saw which link go down and why: a failure says what took it down.
    const downs: string[] = []
    for (const peer of net.peers) {
      peer.mesh.on('link-down', ({ peer: p, reason }) =>
        downs.push(`${peer.id} -> ${p}: ${reason}`),
      )
    }
    mute(net.ids[0]!, true)
    const handedOver = await until(
      'the rest on the next Syncer while it is silent',
      () => net.peers.slice(1).every((p) => syncerOf(p) === net.ids[1]),
      FAILOVER_GOAL_MS,
    )
    await pass(3000 - handedOver) // silent for 3 s in all, the links' offline timeout
    mute(net.ids[0]!, false)
    await until(
      'everyone back on the first Syncer',
      () => net.peers.every((p) => syncerOf(p) === net.ids[0]),
      3000,
    )
    expect(downs, 'no link went down').toEqual([])
    expect(net.peers.slice(1).map((p) => p.mesh.linkTo(net.ids[0]!))).toEqual(before)
  })
})
