/**
 * The contract of MeshPort, run against the real mesh (createMeshPort over meshes on in-memory
 * pipes) and against the in-memory fake the feature tests use, so the fake cannot drift from
 * what features meet in the app. First-contact topic presence is not covered here: the fake
 * sets it by hand, the real port reads the signaling (see the signaling contract).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import type { MeshPort, PeerMessage } from '../../src/peer/mesh/mesh-port.ts'
import { MESH_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import { randomPeerId, until } from './fixtures.ts'

export interface MeshPortNode {
  readonly id: PeerId
  readonly port: MeshPort
}

export interface MeshPortHarness {
  /** `count` peers, sorted by ID, in `group`, each wanting the others: resolves once linked. */
  create(count: number): Promise<MeshPortNode[]>
  /** The group the peers are in. */
  readonly group: string
  /** The peer vanishes at once (its page closed): its links drop and it never redials. */
  vanish(node: MeshPortNode): Promise<void>
  teardown(): Promise<void>
}

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** Collects what a subscription receives, as text. */
function inbox(subscribe: (handler: (m: PeerMessage) => void) => () => void) {
  const got: { from: PeerId; text: string }[] = []
  const off = subscribe(({ from, data }) => got.push({ from, text: text(data) }))
  return { got, off }
}

export function describeMeshPortContract(name: string, makeHarness: () => MeshPortHarness): void {
  describe(`MeshPort contract: ${name}`, () => {
    let harness: MeshPortHarness | undefined
    const create = (count: number) => {
      harness = makeHarness()
      return harness.create(count)
    }

    afterEach(async () => {
      await harness?.teardown()
      harness = undefined
    })

    it('routes messages by channel to the addressee, with the sender', async () => {
      const [a, b, c] = await create(3)
      const onB = inbox((h) => b!.port.onMessage('contract.routed', h))
      const otherChannel = inbox((h) => b!.port.onMessage('contract.other', h))
      const onC = inbox((h) => c!.port.onMessage('contract.routed', h))
      expect(a!.port.send(b!.id, 'contract.routed', bytes('one'))).toBe(true)
      expect(a!.port.send(b!.id, 'contract.routed', bytes('two'))).toBe(true)
      await until(() => onB.got.length === 2, 'two routed messages')
      expect(onB.got).toEqual([
        { from: a!.id, text: 'one' },
        { from: a!.id, text: 'two' },
      ])
      expect(otherChannel.got).toEqual([])
      expect(onC.got).toEqual([])
      onB.off()
      expect(a!.port.send(a!.id, 'contract.routed', bytes('to self'))).toBe(false)
    })

    it('keeps link-only messages apart from routed ones, proven by the link', async () => {
      const [a, b] = await create(2)
      const linkOnly = inbox((h) => b!.port.onLinkMessage('contract.link', h))
      const routed = inbox((h) => b!.port.onMessage('contract.link', h))
      expect(a!.port.sendLinked(b!.id, 'contract.link', bytes('direct'))).toBe(true)
      expect(a!.port.send(b!.id, 'contract.link', bytes('routed'))).toBe(true)
      await until(() => linkOnly.got.length === 1 && routed.got.length === 1, 'both lanes')
      expect(linkOnly.got).toEqual([{ from: a!.id, text: 'direct' }])
      expect(routed.got).toEqual([{ from: a!.id, text: 'routed' }])
      expect(a!.port.sendLinked(randomPeerId(), 'contract.link', bytes('x'))).toBe(false)
      expect(() => a!.port.onLinkMessage(MESH_CHANNEL, () => {})).toThrow(/mesh/)
      expect(() => a!.port.sendLinked(b!.id, MESH_CHANNEL, bytes('x'))).toThrow(/mesh/)
    })

    it('carries bulk payloads in order on the link, and refuses without one', async () => {
      const [a, b] = await create(2)
      const got: number[] = []
      b!.port.onLinkMessage('contract.bulk', ({ from, data }) => {
        if (from === a!.id && data.length === 64 * 1024) got.push(data[0]!)
      })
      for (let i = 0; i < 24; i++) {
        await a!.port.sendBulk(b!.id, 'contract.bulk', new Uint8Array(64 * 1024).fill(i))
      }
      await until(() => got.length === 24, 'every bulk payload')
      expect(got).toEqual(Array.from({ length: 24 }, (_, i) => i))
      await expect(a!.port.sendBulk(randomPeerId(), 'contract.bulk', bytes('x'))).rejects.toThrow(
        /no link/,
      )
    })

    it('shows linked peers, who is online in the group and its Syncer, with change events', async () => {
      const nodes = await create(3)
      const [a, b, c] = nodes
      const group = harness!.group
      const ids = nodes.map((n) => n.id)
      expect([...a!.port.presence.linkedPeers()].sort()).toEqual([b!.id, c!.id])
      expect(a!.port.presence.isLinked(b!.id)).toBe(true)
      expect(a!.port.presence.isLinked(randomPeerId())).toBe(false)
      await until(
        () => nodes.every((n) => n.port.presence.online(group).length === 3),
        'everyone online everywhere',
      )
      expect(a!.port.presence.online(group)).toEqual(ids)
      expect(c!.port.presence.syncer(group)).toBe(a!.id)

      const links: { peer: PeerId; up: boolean }[] = []
      const groups: string[] = []
      b!.port.presence.onLinkChange((change) => links.push(change))
      b!.port.presence.onOnlineChange((g) => groups.push(g))
      await harness!.vanish(a!)
      await until(() => links.some((l) => l.peer === a!.id && !l.up), 'the link to go down')
      expect(b!.port.presence.isLinked(a!.id)).toBe(false)
      expect(b!.port.sendLinked(a!.id, 'contract.link', bytes('x'))).toBe(false)
      await until(() => !b!.port.presence.online(group).includes(a!.id), 'A to go offline')
      expect(groups).toContain(group)
      expect(b!.port.presence.syncer(group)).toBe(b!.id)
    })
  })
}
