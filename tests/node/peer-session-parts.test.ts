import { afterEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMesh } from '../../src/peer/mesh/mesh.ts'
import { createPresence, type Presence } from '../../src/peer/mesh/presence.ts'
import { ResumableMesh } from '../../src/peer/mesh/resumable-mesh.ts'
import { FailoverSignaling } from '../../src/peer/signaling/failover-signaling.ts'
import type { Signaling } from '../../src/peer/signaling/signaling.ts'
import { waitFor } from '../support/fake-mesh-network.ts'
import { FakeSignalingHub } from '../support/fake-signaling.ts'
import { createTestIdentity } from '../support/test-identity.ts'

const TOPIC = asTopic('parts-topic')
const GROUP = 'parts-group'
const quiet = () => {}
const cleanup: (() => void)[] = []
afterEach(() => {
  for (const stop of cleanup.splice(0)) stop()
})

function failover(...endpoints: (() => Signaling)[]): FailoverSignaling {
  const signaling = new FailoverSignaling({
    endpoints: endpoints.map((create, i) => ({ name: `endpoint ${i}`, kind: 'relay', create })),
    openTimeoutMs: 200,
    backoff: { initialMs: 20, maxMs: 40 },
  })
  cleanup.push(() => signaling.close())
  return signaling
}

describe('failover signaling', () => {
  it('skips an endpoint that is down, and moves on when the one in use drops', async () => {
    const [first, second] = [new FakeSignalingHub(), new FakeSignalingHub()]
    const [self, other] = [await createTestIdentity(), await createTestIdentity()]
    first.stop()
    const created: string[] = []
    const endpoint = (hub: FakeSignalingHub, name: string, who: Identity) => () => {
      created.push(`${name}:${who.peerId.slice(0, 4)}`)
      const signaling = hub.signaling(who.peerId)
      if (hub.stopped) queueMicrotask(() => signaling.setState('closed'))
      return signaling
    }
    const mine = failover(endpoint(first, 'first', self), endpoint(second, 'second', self))
    const theirs = failover(endpoint(second, 'second', other))
    const errors: string[] = []
    mine.on('error', ({ message }) => errors.push(message))
    mine.join(TOPIC)
    theirs.join(TOPIC)
    await waitFor('open on the second endpoint', () => mine.state === 'open')
    expect(created[0]).toMatch(/^first:/)
    await waitFor('the other is present', () => mine.peers(TOPIC).includes(other.peerId))
    const pipes: PeerId[] = []
    theirs.on('pipe', ({ peer }) => pipes.push(peer))
    const pipe = await mine.connect(other.peerId)
    await waitFor('the pipe arrives', () => pipes.length === 1)
    expect(pipes).toEqual([self.peerId])
    expect(errors[0]).toMatch(/endpoint 0|first|closed/)

    // The second hub goes down: peers seen there leave; open pipes stay.
    const left: PeerId[] = []
    mine.on('peer-left', ({ peer }) => left.push(peer))
    second.stop()
    await waitFor('peers forgotten', () => left.includes(other.peerId))
    expect(mine.state).not.toBe('open')
    expect(mine.peers(TOPIC)).toEqual([])
    expect(pipe.isOpen).toBe(true)
    await expect(mine.connect(other.peerId)).rejects.toThrow(/no signaling endpoint is open/)
  })
})

interface Device {
  identity: Identity
  hub: FakeSignalingHub
  mesh: ResumableMesh
  presence: Presence
  start(): void
}

function device(identity: Identity, hub: FakeSignalingHub): Device {
  const mesh = new ResumableMesh(identity.peerId)
  const presence = createPresence({ mesh, options: { log: quiet } })
  cleanup.push(() => {
    presence.close()
    mesh.close()
  })
  const start = () => {
    const signaling = hub.signaling(identity.peerId)
    mesh.run(
      createMesh({
        identity,
        signaling,
        createLink: (args) => createLink({ ...args, options: { log: quiet } }),
        options: { log: quiet, glareDelayMs: 50 },
      }),
    )
  }
  return { identity, hub, mesh, presence, start }
}

describe('resumable mesh', () => {
  it('keeps groups, topics and handlers across stop and run, with no links while stopped', async () => {
    const hub = new FakeSignalingHub()
    const [a, b] = [
      device(await createTestIdentity(), hub),
      device(await createTestIdentity(), hub),
    ]
    const ids = [a.identity.peerId, b.identity.peerId]
    const inbox: string[] = []
    a.mesh.onMessage('app', ({ data }) => inbox.push(new TextDecoder().decode(data)))
    const changes: boolean[] = []
    a.mesh.onLinkChange(({ up }) => changes.push(up))
    for (const d of [a, b]) {
      d.mesh.setGroup(GROUP, ids)
      d.mesh.join(TOPIC)
    }
    expect(a.mesh.members(GROUP)).toEqual([...ids].sort())
    expect(a.mesh.send(b.identity.peerId, 'app', Uint8Array.of(1))).toBe(false)
    a.start()
    b.start()
    await waitFor('linked', () => a.mesh.linkedPeers().length === 1)
    await waitFor('online', () => b.presence.isOnline(GROUP, a.identity.peerId))
    b.mesh.send(a.identity.peerId, 'app', new TextEncoder().encode('one'))
    await waitFor('first message', () => inbox.length === 1)

    a.mesh.stop()
    expect(a.mesh.running).toBe(false)
    expect(a.mesh.linkedPeers()).toEqual([])
    expect(changes).toEqual([true, false])
    await waitFor('b sees a go', () => b.mesh.linkedPeers().length === 0)
    await expect(a.mesh.attach(b.identity.peerId, closedPipe())).rejects.toThrow(/not running/)

    hub.remove(a.identity.peerId)
    a.start()
    await waitFor('linked again', () => a.mesh.linkedPeers().length === 1, 8000)
    b.mesh.send(a.identity.peerId, 'app', new TextEncoder().encode('two'))
    await waitFor('second message, same handler', () => inbox.length === 2)
    expect(inbox).toEqual(['one', 'two'])
    expect(a.mesh.members(GROUP)).toEqual([...ids].sort())
    await waitFor('online again', () => a.presence.isOnline(GROUP, b.identity.peerId))
  })
})

function closedPipe() {
  return {
    isOpen: false,
    bufferedAmount: 0,
    maxMessageSize: 1024,
    fingerprints: { local: '', remote: '' },
    send() {},
    on: () => () => {},
    off() {},
    openSideChannel: () => Promise.reject(new Error('closed')),
    stats: () => Promise.reject(new Error('closed')),
    close() {},
  }
}
