import { expect, test, type Page } from '@playwright/test'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { turnCredentials } from '../../signaling/turn-credentials.ts'
import { startCoturn, type Coturn } from '../support/coturn.ts'
import { startUdpPathProxy, type UdpPathProxy } from '../support/udp-path-proxy.ts'
import { message, openChat, send } from './support/chat.ts'
import { openDevice, peerIdOf, trackDevices, type Device } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers, syncer } from './support/workplace.ts'

// Three relay-only devices, each with a network path of its own: its own UDP forwarder in front
// of one TURN server, named in its own STUN/TURN settings. The Syncer's path is then cut, as a
// phone's is when it loses its network: its page stays open and says nothing, and nothing
// closes. The two others must notice, agree on the next Syncer and go on chatting; when the
// path returns, the first device is the Syncer again and has what was said meanwhile.

const SECRET = 'e2e-syncer-network-loss'
/** Within this of the cut, both others name the next Syncer (measured: see the log line). */
const FAILOVER_WITHIN_MS = 10_000
/** Within this of the path's return, the returning device is back and up to date. */
const BACK_WITHIN_MS = 20_000
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let coturn: Coturn | undefined
let server: SignalingServer | undefined
const proxies: UdpPathProxy[] = []
test.beforeAll(async () => {
  coturn = await startCoturn(SECRET)
  for (let i = 0; i < 3; i++) proxies.push(await startUdpPathProxy(coturn.port))
  server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    logger: quiet,
  })
})
test.afterAll(async () => {
  await server?.close()
  await Promise.all(proxies.splice(0).map((p) => p.close()))
  await coturn?.stop()
})
const devices = trackDevices()

/** Settings that make `proxy` the device's only path to the others. */
function ownPath(proxy: UdpPathProxy, name: string) {
  const { username, credential } = turnCredentials(SECRET, name, 3600)
  const urls = `turn:127.0.0.1:${proxy.port}?transport=udp`
  return { relayOnly: true, iceServers: [{ urls, username, credential }] }
}

async function expectSyncer(page: Page, peer: string, timeout: number): Promise<void> {
  await expect.poll(() => syncer(page), { timeout }).toBe(peer)
}

test('the Syncer loses its network without a word: the others name the next and chat on; it returns up to date', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const names = ['Ann', 'Bob', 'Cy']
  const paths = new Map<Device, UdpPathProxy>()
  for (const [i, name] of names.entries()) {
    const device = await openDevice(browser, name, server!.address.url, ownPath(proxies[i]!, name))
    devices.push(device)
    paths.set(device, proxies[i]!)
  }
  const [ann, bob, cy] = devices as [Device, Device, Device]
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  for (const device of [bob, cy]) await device.page.goto(invite)
  for (const device of devices) await expectMembers(device.page, names)

  const ids = new Map<Device, string>()
  for (const device of devices) ids.set(device, await peerIdOf(device.page))
  const [first, next, last] = [...devices].sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1))
  for (const device of devices) await expectSyncer(device.page, ids.get(first!)!, 15_000)
  for (const device of devices) await openChat(device.page)
  await send(first!.page, 'before the cut')
  for (const device of [next!, last!])
    await expect(message(device.page, 'before the cut')).toBeVisible()

  const cutAt = Date.now()
  paths.get(first!)!.cut()
  const agreed = await Promise.all(
    [next!, last!].map(async (device) => {
      await expectSyncer(device.page, ids.get(next!)!, FAILOVER_WITHIN_MS)
      return Date.now() - cutAt
    }),
  )
  console.info(
    `the Syncer's path cut: both others named the next Syncer in ${Math.max(...agreed)} ms`,
  )

  const sentAt = Date.now()
  await send(last!.page, 'while the Syncer is away')
  await expect(message(next!.page, 'while the Syncer is away')).toBeVisible({ timeout: 5_000 })
  console.info(`a message between the two others showed in ${Date.now() - sentAt} ms`)
  await expect(message(first!.page, 'while the Syncer is away'), 'the cut held').toHaveCount(0)

  const restoredAt = Date.now()
  paths.get(first!)!.restore()
  await expect(message(first!.page, 'while the Syncer is away')).toBeVisible({
    timeout: BACK_WITHIN_MS,
  })
  for (const device of devices) {
    await expectSyncer(device.page, ids.get(first!)!, BACK_WITHIN_MS - (Date.now() - restoredAt))
  }
  console.info(
    `back: the returning device had the message and was the Syncer again in ${Date.now() - restoredAt} ms`,
  )
  await send(first!.page, 'after the return')
  for (const device of [next!, last!])
    await expect(message(device.page, 'after the return')).toBeVisible()
})
