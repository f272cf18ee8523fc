import { expect, test } from '@playwright/test'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { until } from '../support/until.ts'
import { openChat, send } from './support/chat.ts'
import { openDevice, peerIdOf, trackDevices, type Device } from './support/device.ts'
import { LightFleetProcess } from './support/light-fleet.ts'
import type { FleetStatus } from './support/light-fleet-protocol.ts'
import { docHeads, shownPeers, syncerSeenAt, watchSyncer } from './support/page-watch.ts'

// A workplace of 50 lightweight members (the project's stack in one Node process:
// light-members.ts) and 3 people in Chromium. The light members link to the pages over WebRTC
// (@roamhq/wrtc) and to each other over in-memory pipes; the test prints how many of each.
const LIGHT = 50
const NAMES = ['Ann', 'Bob', 'Cy'] as const
/** The Syncer failover goal (as tests/e2e/peer-syncer.spec.ts). */
const FAILOVER_GOAL_MS = 3000

const devices = trackDevices()
let relay: SignalingServer | undefined
let fleet: LightFleetProcess | undefined

test.afterEach(async () => {
  await fleet?.close()
  await relay?.close()
  fleet = relay = undefined
})

const ms = (since: number) => Date.now() - since
const log = (line: string) => console.info(`scale-50: ${line}`)

/** Whether the light members agree among themselves and with every page (root heads, members). */
async function converged(
  light: () => Promise<FleetStatus>,
  pages: Device[],
  root: string,
): Promise<FleetStatus | undefined> {
  const status = await light()
  const [heads, members] = [status.heads, status.members]
  if (heads.length !== 1 || members.length !== 1) return undefined
  for (const d of pages) {
    if ((await docHeads(d.page, root)) !== heads[0]) return undefined
    if ((await shownPeers(d.page)).join() !== members[0]) return undefined
  }
  return status
}

test('50 light members and 3 in Chromium converge, chat, fail over, and admit one with the relay down', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const started = Date.now()
  // Every member here shares one address: the relay's per-address limits stand for many.
  relay = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    peerjs: false,
    logger: silentLogger,
    allowedOrigins: [new URL(process.env.BASE_URL!).origin],
    limits: { maxConnectionsPerAddress: 200, maxPendingPerAddress: 200 },
  })
  const relayUrl = relay.relayUrl
  const host = (fleet = new LightFleetProcess())
  const { ids } = await host.ask({ t: 'start', relayUrl, count: LIGHT }, 'started', 60_000)
  const appUrl = new URL('/', process.env.BASE_URL).href
  const made = await host.ask({ t: 'workplace', name: 'Acme', appUrl }, 'workplace', 120_000)
  log(`${LIGHT} light members opened the workplace in ${ms(started)} ms`)

  const settings = { firstContact: 'relay' as const, relays: [relayUrl] }
  const pages = await Promise.all(
    NAMES.map(async (name) => {
      const device = await openDevice(browser, name, made.invite, settings)
      devices.push(device)
      await expect(device.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined', {
        timeout: 60_000,
      })
      return device
    }),
  )
  const pageIds = (await Promise.all(pages.map((d) => peerIdOf(d.page)))) as PeerId[]
  const allIds = [...ids, ...pageIds].sort()
  const light = async (text?: string) =>
    (await host.ask({ t: 'status', pages: pageIds, ...(text ? { text } : {}) }, 'status')).status

  // 1. Everyone converges: the same root document and the same 53 members everywhere.
  const formed = await until(
    () => converged(light, pages, made.root),
    'all 53 members to agree on the root document and the member list',
    120_000,
  )
  expect(formed.members[0]!.split(',')).toEqual(allIds)
  log(
    `converged at ${ms(started)} ms: ${formed.webrtcHolders} light members hold ` +
      `${formed.webrtcLinks} WebRTC links to the pages, ${formed.memoryLinks} in-memory links ` +
      `join the light members, at most ${formed.maxLinks} links per light member`,
  )
  expect(formed.webrtcLinks).toBeGreaterThan(0)
  expect(formed.maxLinks).toBeLessThanOrEqual(8)

  // 2. A message from one page reaches all 52 other members.
  const chatReachesAll = async (text: string, watching: Device[]) => {
    const sent = Date.now()
    await until(
      async () => {
        const s = await light(text)
        return s.withText === s.live
      },
      `"${text}" in every light member's chat`,
      60_000,
    )
    for (const d of watching) {
      await openChat(d.page)
      await expect(d.page.getByTestId('chat-message-text').filter({ hasText: text })).toBeVisible({
        timeout: 30_000,
      })
    }
    return ms(sent)
  }
  for (const d of pages) await openChat(d.page)
  await send(pages[0]!.page, 'hello, fifty')
  log(
    `a message from ${NAMES[0]} reached all 52 others in ${await chatReachesAll('hello, fifty', pages.slice(1))} ms`,
  )

  // 3. The Syncer (lowest peer ID) goes without a goodbye; the next lowest takes over.
  const [syncerId, nextId] = [allIds[0]!, allIds[1]!]
  for (const d of pages) {
    await expect(d.page.getByTestId('workplace')).toHaveAttribute('data-syncer', syncerId)
  }
  const leavingPage = pages[pageIds.indexOf(syncerId as PeerId)]
  const watching = pages.filter((d) => d !== leavingPage)
  for (const d of watching) await watchSyncer(d.page, nextId)
  const before = await light()
  log(
    `at rest before the Syncer goes: light members' process ${before.cpuShare} of a core, longest stall ${before.stallMs} ms`,
  )
  const goneAt = Date.now()
  if (leavingPage) await leavingPage.page.close()
  else await host.ask({ t: 'crash', peer: syncerId as PeerId }, 'done')
  for (const d of watching) {
    await expect.poll(() => syncerSeenAt(d.page), { timeout: 20_000 }).toBeGreaterThan(0)
  }
  const seen = await Promise.all(watching.map((d) => syncerSeenAt(d.page)))
  const failoverMs = Math.max(...seen) - goneAt
  const during = await light()
  await until(
    async () => (await light()).syncers.join() === nextId,
    'every light member to name the next Syncer',
    20_000,
  )
  log(
    `during the failover: light members' process ${during.cpuShare} of a core, longest stall ${during.stallMs} ms`,
  )
  log(
    `the Syncer (${leavingPage ? 'a page' : 'a light member'}) left: pages named the next in ${failoverMs} ms`,
  )
  expect(failoverMs).toBeLessThanOrEqual(FAILOVER_GOAL_MS)

  // 4. The relay goes down; a newcomer joins. Its first contact is the in-process hub (a device
  // on the same network); its links to the pages must be signalled through the mesh.
  await relay.close()
  relay = undefined
  for (const d of watching) d.allow.push(/WebSocket|relay/i)
  const joinStarted = Date.now()
  const near = pageIds.filter((p) => p !== syncerId)
  const newcomer = await host.ask({ t: 'newcomer', near, avoid: [syncerId as PeerId] }, 'newcomer')
  const linkedNear = await until(
    async () => {
      const n = (await light()).newcomer
      return n?.joined && n.pagesLinked.length === newcomer.near.length ? n : undefined
    },
    'the newcomer to join and link to the pages next to it, with the relay down',
    90_000,
  )
  expect(
    newcomer.near.map((p) => linkedNear.viaMesh[p] ?? 0).every((n) => n > 0),
    'signals from those pages reached the newcomer through the mesh',
  ).toBe(true)
  const joined = await until(
    () => converged(light, watching, made.root),
    'every member to agree again, the newcomer included',
    90_000,
  )
  expect(joined.members[0]!.split(',')).toEqual([...allIds, newcomer.peer].sort())
  log(`a newcomer joined with the relay down; all agreed in ${ms(joinStarted)} ms`)

  await host.ask({ t: 'send', peer: newcomer.peer, text: 'hello from the newcomer' }, 'done')
  const lateMs = await chatReachesAll('hello from the newcomer', watching)
  log(`its message reached every member in ${lateMs} ms; whole run ${ms(started)} ms`)
})
