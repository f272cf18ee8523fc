/**
 * The contract of automerge-repo network adapters (NetworkAdapterInterface) as the app's repos
 * use them. It mirrors automerge-repo's own acceptance suite (runNetworkAdapterTests in
 * @automerge/automerge-repo/helpers/tests/network-adapter-tests.js, 2.5) test by test, where
 * the app's adapters differ by design:
 * - Upstream's suite names peers itself ("alice", later "a" or "left" for the same adapter) and
 *   expects the adapter to learn them in a handshake. Ours learn who a peer is from the
 *   authenticated link, so the setup gives each adapter its peer ID and the repo uses it.
 * - Upstream checks that peer metadata (a storageId) crosses the network. Ours announce every
 *   linked member as a non-ephemeral peer and carry no storage ID, so that is what is checked.
 * - Upstream's "disconnect" closes the adapter's socket, so the other side hears of it. Ours
 *   ride on the mesh's links, which outlive one repo: the other side is told when the link
 *   drops, checked with `cut` and `mend`.
 * Every wait has a deadline and names what it waited for.
 */
import {
  generateAutomergeUrl,
  parseAutomergeUrl,
  Repo,
  type DocHandle,
  type NetworkAdapterInterface,
  type PeerId as RepoPeerId,
} from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './fixtures.ts'

export interface RepoNetworkPeer {
  /** The peer ID the network knows this peer by: its repo uses the same. */
  id: RepoPeerId
  adapter: NetworkAdapterInterface
}

export interface RepoNetwork {
  /** Three peers, each linked to the other two, their adapters not connected yet. */
  peers: [RepoNetworkPeer, RepoNetworkPeer, RepoNetworkPeer]
  /** Drops the link between two peers, as a connection that fails. */
  cut(a: RepoPeerId, b: RepoPeerId): void
  /** Links two peers again. */
  mend(a: RepoPeerId, b: RepoPeerId): void
  close(): Promise<void> | void
}

type TestDoc = { foo?: string }

/** Resolves with the first event `once` hands over, or fails after `ms` naming `what`. */
function next<T>(once: (fn: (arg: T) => void) => unknown, what: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
    once((arg: T) => {
      clearTimeout(timer)
      resolve(arg)
    })
  })
}

const sees = (handle: DocHandle<TestDoc>, foo: string) => () => handle.doc()?.foo === foo

export function describeRepoNetworkContract(name: string, open: () => Promise<RepoNetwork>) {
  describe(`automerge-repo network contract: ${name}`, () => {
    const cleanup: (() => unknown)[] = []
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn()
    })
    const network = async () => {
      const made = await open()
      cleanup.push(() => made.close())
      return made
    }
    const repoOf = (peer: RepoNetworkPeer) => {
      const repo = new Repo({ network: [peer.adapter], peerId: peer.id })
      cleanup.push(() => repo.shutdown())
      return repo
    }

    // upstream: can sync 2 repos
    it('syncs a document between two repos, both ways', async () => {
      const { peers } = await network()
      const [alice, bob] = [repoOf(peers[0]), repoOf(peers[1])]
      const onAlice = alice.create<TestDoc>()
      const onBob = await bob.find<TestDoc>(onAlice.url)
      onAlice.change((d) => void (d.foo = 'bar'))
      await until(sees(onBob, 'bar'), 'Bob to see Alice’s change')
      onBob.change((d) => void (d.foo = 'baz'))
      await until(sees(onAlice, 'baz'), 'Alice to see Bob’s change')
    })

    // upstream: can sync 3 repos
    it('syncs a document among three repos', async () => {
      const { peers } = await network()
      const [alice, bob, charlie] = peers.map(repoOf) as [Repo, Repo, Repo]
      const onAlice = alice.create<TestDoc>()
      onAlice.change((d) => void (d.foo = 'bar'))
      const onBob = await bob.find<TestDoc>(onAlice.url)
      const onCharlie = await charlie.find<TestDoc>(onAlice.url)
      expect([onBob.doc().foo, onCharlie.doc().foo]).toEqual(['bar', 'bar'])
      onCharlie.change((d) => void (d.foo = 'baz'))
      await until(sees(onAlice, 'baz'), 'Alice to see Charlie’s change')
      await until(sees(onBob, 'baz'), 'Bob to see Charlie’s change')
    })

    // upstream: can broadcast a message
    it('carries an ephemeral message to a peer that has the document', async () => {
      const { peers } = await network()
      const [alice, , charlie] = peers.map(repoOf) as [Repo, Repo, Repo]
      const onAlice = alice.create<TestDoc>()
      const onCharlie = await charlie.find<TestDoc>(onAlice.url)
      const got = next<{ message: unknown }>(
        (fn) => onCharlie.once('ephemeral-message', fn),
        'the broadcast',
      )
      // Until Charlie's interest reaches Alice, her repo sends it to no one: repeat, as presence does.
      const again = setInterval(() => onAlice.broadcast({ presence: 'alice' }), 50)
      cleanup.push(() => clearInterval(again))
      onAlice.broadcast({ presence: 'alice' })
      expect((await got).message).toEqual({ presence: 'alice' })
    })

    // upstream: emits a peer-candidate event with proper peer metadata when a peer connects
    it('announces a linked peer once both ends connect, by its ID on the network', async () => {
      const { peers } = await network()
      const [a, b] = peers
      const candidate = next((fn) => b.adapter.once('peer-candidate', fn), 'B to hear of A')
      b.adapter.connect(b.id, { isEphemeral: false })
      a.adapter.connect(a.id, { isEphemeral: false })
      expect(await candidate).toMatchObject({ peerId: a.id, peerMetadata: { isEphemeral: false } })
    })

    // upstream: should emit disconnect events on disconnect
    it('tells its repo every peer is gone when it disconnects, and the other side when the link drops', async () => {
      const net = await network()
      const [left, right] = net.peers
      const [leftRepo, rightRepo] = [repoOf(left), repoOf(right)]
      await until(() => leftRepo.peers.includes(right.id), 'the left repo to see the right')
      await until(() => rightRepo.peers.includes(left.id), 'the right repo to see the left')
      const leftGone = next(
        (fn) => leftRepo.networkSubsystem.once('peer-disconnected', fn),
        'left to drop right',
      )
      left.adapter.disconnect()
      await leftGone
      expect(leftRepo.peers).toEqual([])

      const rightGone = next(
        (fn) => rightRepo.networkSubsystem.once('peer-disconnected', fn),
        'right to drop left',
      )
      net.cut(left.id, right.id)
      await rightGone
      expect(rightRepo.peers).not.toContain(left.id)
    })

    // upstream: should not send messages after disconnect
    it('sends nothing once disconnected', async () => {
      const { peers } = await network()
      const [left, right] = peers
      repoOf(right)
      repoOf(left)
      await until(() => right.adapter.isReady(), 'the right adapter to be ready')
      const gone = next((fn) => left.adapter.once('peer-disconnected', fn), 'left to drop right')
      left.adapter.disconnect()
      await gone
      let heard = false
      right.adapter.on('message', (message) => {
        if (message.senderId === left.id) heard = true
      })
      left.adapter.send({
        type: 'sync',
        data: new Uint8Array([1, 2, 3]),
        documentId: parseAutomergeUrl(generateAutomergeUrl()).documentId,
        senderId: left.id,
        targetId: right.id,
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(heard).toBe(false)
    })

    // upstream: should support reconnecting after disconnect
    it('announces its peers again when it connects again, and a peer whose link returns', async () => {
      const net = await network()
      const [left, right] = net.peers
      repoOf(left)
      const rightRepo = repoOf(right)
      await until(() => rightRepo.peers.includes(left.id), 'the right repo to see the left')
      left.adapter.disconnect()
      const again = next<{ peerId: RepoPeerId }>(
        (fn) => left.adapter.once('peer-candidate', fn),
        'right again',
      )
      left.adapter.connect(left.id)
      expect((await again).peerId).toBe(right.id)

      net.cut(left.id, right.id)
      await until(() => !rightRepo.peers.includes(left.id), 'the right repo to drop the left')
      net.mend(left.id, right.id)
      await until(() => rightRepo.peers.includes(left.id), 'the right repo to see the left again')
    })
  })
}
