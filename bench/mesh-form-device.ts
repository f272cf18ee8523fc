/**
 * One device of bench/mesh-form.bench.ts in its own Node process (as a browser runs each page's
 * WebRTC in its own renderer): the project's mesh, authenticated links and WebRTC through
 * @roamhq/wrtc, signalled over the bench's relay. Driven over the fork IPC channel:
 * it says `ready` with its peer ID, starts on `start` (relay URL and the group's members),
 * reports `state` whenever whether it is formed (linked to every neighbour the topology gives
 * it), its link count or its relay limit errors change, and closes on `stop`.
 */
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { asTopic, type PeerId } from '../src/peer/ids.ts'
import { createLink } from '../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../src/peer/mesh/mesh.ts'
import { createCarrierSignaling } from '../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier, type RelayCarrier } from '../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'

export const GROUP = 'bench-group'
export const TOPIC = asTopic('bench-mesh-form')

export type ToDevice = { type: 'start'; url: string; ids: readonly PeerId[] } | { type: 'stop' }
export type FromDevice =
  { type: 'ready'; id: PeerId } | { type: 'state'; formed: boolean; links: number; limited: number }

const quiet = () => {}
const send = (message: FromDevice) => process.send?.(message)

async function main(): Promise<void> {
  const identity = await createTestIdentity()
  let relay: RelayCarrier | undefined
  let mesh: Mesh | undefined
  let watch: ReturnType<typeof setInterval> | undefined
  const errors: string[] = []
  process.on('message', (message: ToDevice) => {
    if (message.type === 'stop') {
      clearInterval(watch)
      mesh?.close()
      relay?.close()
      setTimeout(() => process.exit(0), 200)
      return
    }
    relay = createRelayCarrier({ url: message.url, identity, WebSocket })
    relay.on('error', ({ message: text }) => errors.push(text))
    const options = { self: identity.peerId, iceServers: [], wrtc, log: quiet }
    const m = createMesh({
      identity,
      signaling: createCarrierSignaling(relay, options),
      createLink: (args) => createLink({ ...args, options: { log: quiet } }),
      createMeshSignaling: (carrier) => createCarrierSignaling(carrier, options),
      options: { log: quiet },
    })
    mesh = m
    m.join(TOPIC)
    m.setGroup(GROUP, message.ids)
    let last = ''
    watch = setInterval(() => {
      const formed = m.neighbours().every((peer) => m.linkTo(peer))
      const limited = errors.filter((e) => /rate-limited|too many|violations/i.test(e)).length
      const state = { type: 'state' as const, formed, links: m.linkedPeers().length, limited }
      const key = JSON.stringify(state)
      if (key !== last) send(state)
      last = key
    }, 10)
  })
  // The bench went away: so does the device.
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', id: identity.peerId })
}

void main()
