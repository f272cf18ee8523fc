/**
 * Network recovery and failure reporting, through a coturn started here (TURN REST secret) with
 * two relay-only Chromium devices whose only path is that TURN server behind a UDP forwarder:
 *
 * - `net.relink_after_outage_ms`: the path is cut for 60 s (signaling stays up), a message is
 *   sent meanwhile, the path returns: time from the return to the message shown on the other
 *   device. Goal <= 3000.
 * - `net.relink_after_short_outage_ms`: the same with a 12 s cut, which the link rides out by an
 *   ICE restart of the same connection instead of being dropped and re-dialled.
 * - `net.failure_shown_ms`: with a TURN secret the server gets wrong, an invite opened ->
 *   "TURN refused the user name/password" on screen. Goal <= 10000.
 */
import type { Page } from 'playwright-core'
import { createSignalingServer, type SignalingServer } from '../signaling/server.ts'
import { startCoturn } from '../tests/support/coturn.ts'
import { startUdpPathProxy, type UdpPathProxy } from '../tests/support/udp-path-proxy.ts'
import type { BenchContext, Metric } from './harness.ts'
import { DEADLINE_MS, device, inviteFrom, say, shown } from './net-devices.ts'

const SECRET = 'bench-net-secret'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** Cuts the path for `outageMs`, sends during it, and times the message's arrival after. */
async function outage(
  proxy: UdpPathProxy,
  from: Page,
  to: Page,
  outageMs: number,
  label: string,
): Promise<number> {
  proxy.cut()
  const cutAt = Date.now()
  await from.waitForTimeout(Math.min(5000, outageMs / 2))
  await say(from, `sent during the ${label} outage`)
  await from.waitForTimeout(Math.max(0, outageMs - (Date.now() - cutAt)))
  if ((await to.getByText(`sent during the ${label} outage`).count()) > 0) {
    throw new Error(`the ${label} outage did not hold: the message arrived during it`)
  }
  proxy.restore()
  const restored = performance.now()
  await shown(to, 'chat-message-text', `sent during the ${label} outage`, 'the message after it')
  return performance.now() - restored
}

async function withServer<T>(
  turnPort: number,
  secret: string,
  use: (server: SignalingServer) => Promise<T>,
): Promise<T> {
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    // Like `npm start`: the app's default first contact is the relay and this broker.
    peerjs: true,
    logger: quiet,
    ice: { turn: [`turn:127.0.0.1:${turnPort}?transport=udp`], turnSecret: secret },
  })
  try {
    return await use(server)
  } finally {
    await server.close()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  await ctx.ensureBuilt()
  const browser = await ctx.browser()
  const coturn = await startCoturn(SECRET)
  const proxy = await startUdpPathProxy(coturn.port)
  const pages: Page[] = []
  const closeAll = () => Promise.all(pages.splice(0).map((p) => p.context().close()))
  try {
    const relink = await withServer(proxy.port, SECRET, async (server) => {
      const ann = await device(browser, server.address.url, 'Ann')
      const bob = await device(browser, server.address.url, 'Bob')
      pages.push(ann, bob)
      await bob.goto(await inviteFrom(ann, 'Net bench'), { timeout: DEADLINE_MS })
      await shown(bob, 'workplace-name', 'Net bench', 'Bob to have joined')
      for (const page of [ann, bob]) await page.getByTestId('tab-chat').click()
      await say(ann, 'before the outages')
      await shown(bob, 'chat-message-text', 'before the outages', 'the first message')
      const short = await outage(proxy, ann, bob, 12_000, '12 s')
      ctx.log(`12 s outage: message shown ${short.toFixed(0)} ms after the path returned`)
      const long = await outage(proxy, ann, bob, 60_000, '60 s')
      ctx.log(`60 s outage: message shown ${long.toFixed(0)} ms after the path returned`)
      return { short, long }
    })
    await closeAll()

    const failureShown = await withServer(coturn.port, 'not-the-secret', async (server) => {
      const ann = await device(browser, server.address.url, 'Ann')
      const bob = await device(browser, server.address.url, 'Bob')
      pages.push(ann, bob)
      const invite = await inviteFrom(ann, 'Refused bench')
      const opened = performance.now()
      await bob.goto(invite, { timeout: DEADLINE_MS })
      await shown(bob, 'join-problem', 'TURN refused the user name/password', 'the clear reason')
      return performance.now() - opened
    })
    ctx.log(`wrong TURN secret: reason shown ${failureShown.toFixed(0)} ms after opening`)
    return [
      { name: 'net.relink_after_outage_ms', value: Math.round(relink.long), unit: 'ms', runs: 1 },
      {
        name: 'net.relink_after_short_outage_ms',
        value: Math.round(relink.short),
        unit: 'ms',
        runs: 1,
      },
      { name: 'net.failure_shown_ms', value: Math.round(failureShown), unit: 'ms', runs: 1 },
    ]
  } finally {
    await closeAll()
    await proxy.close()
    await coturn.stop()
  }
}
