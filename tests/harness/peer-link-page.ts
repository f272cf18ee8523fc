/**
 * A test page for authenticated links in a real browser: a fresh identity, the relay as
 * signaling, and links opened exactly as the app's mesh opens them (createLink over a pipe).
 * Driven by tests/e2e/peer-link.spec.ts through `window.linkDriver`.
 */
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'
import { createLink, type AuthenticatedLink } from '../../src/peer/link/authenticated-link.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { Signaling } from '../../src/peer/signaling/signaling.ts'

interface Arrival {
  channel: string
  bytes: number
  /** Whether every byte is what `pattern` gives for its index. */
  intact: boolean
  at: number
}

let signaling: Signaling | undefined
const links = new Map<string, AuthenticatedLink>()
const arrivals = new Map<string, Arrival[]>()
const logs: string[] = []

const pattern = (i: number): number => (i * 31 + 7) & 0xff

/** Main-thread work when a link comes up, as the app's document sync does; see start(). */
let busyOnLinkMs = 0

function keep(link: AuthenticatedLink): void {
  const until = performance.now() + busyOnLinkMs
  while (performance.now() < until) {
    // busy: events of the new link's channels queue up meanwhile
  }
  links.set(link.remote, link)
  const list: Arrival[] = []
  arrivals.set(link.remote, list)
  link.on('message', ({ channel, data }) =>
    list.push({
      channel,
      bytes: data.byteLength,
      intact: data.every((byte, i) => byte === pattern(i)),
      at: performance.now(),
    }),
  )
}

function linkTo(peer: string): AuthenticatedLink {
  const link = links.get(peer)
  if (!link) throw new Error(`no link to ${peer}`)
  return link
}

const driver = {
  /**
   * Starts a peer on the relay. `busyOnLinkMs` keeps the main thread busy right after each
   * link opens, as the app is when document sync starts on a new link.
   */
  async start(relayUrl: string, options: { busyOnLinkMs?: number } = {}): Promise<PeerId> {
    busyOnLinkMs = options.busyOnLinkMs ?? 0
    const identity = await loadOrCreateIdentity(createMemoryKeyStore())
    const carrier = createRelayCarrier({ url: relayUrl, identity })
    signaling = createCarrierSignaling(carrier, { self: identity.peerId, iceServers: [] })
    const log = (message: string) => logs.push(message)
    signaling.on('pipe', ({ peer, pipe }) => {
      createLink({ pipe, identity, expectedPeer: peer, options: { log } }).then(keep, (e) =>
        logs.push(`incoming link failed: ${String(e)}`),
      )
    })
    driver.connect = async (peer: string) => {
      const pipe = await signaling!.connect(peer as PeerId)
      keep(await createLink({ pipe, identity, expectedPeer: peer as PeerId, options: { log } }))
    }
    return identity.peerId
  },
  connect: async (_peer: string): Promise<void> => {
    throw new Error('start() first')
  },
  join: (topic: string) => signaling!.join(topic as Topic),
  peers: (topic: string) => [...(signaling?.peers(topic as Topic) ?? [])],
  linkState: (peer: string) => links.get(peer)?.state ?? 'none',
  bulkChannel: (peer: string) => links.get(peer)?.bulkChannel ?? 'none',
  /** Queues `bytes` on the bulk lane and then `count` small messages on the main one. */
  sendBulkThenSmall(peer: string, bytes: number, count: number): void {
    const link = linkTo(peer)
    const big = new Uint8Array(bytes)
    for (let i = 0; i < bytes; i++) big[i] = pattern(i)
    void link.sendBulk('files', big).catch((e: unknown) => logs.push(`sendBulk: ${String(e)}`))
    for (let i = 0; i < count; i++) {
      link.send(
        'chat',
        Uint8Array.from({ length: 16 }, (_, j) => pattern(j)),
      )
    }
  },
  arrivals: (peer: string) => arrivals.get(peer) ?? [],
  logs: () => [...logs],
}

declare global {
  interface Window {
    linkDriver: typeof driver
  }
}

window.linkDriver = driver
