/**
 * What a held link costs: two relay-only Chromium devices linked through a coturn started here
 * (behind a UDP forwarder), the app, relay and broker behind a byte-counting TCP proxy. First
 * a minute with the path up and idle, then the path cut for HOLD_MINUTES (default 10; the link
 * holds it, restarting ICE, while the peer stays on signaling):
 *
 * - `net.hold_signals`: signals the relay forwarded during the hold (ICE restart offers,
 *   answers, asks); `net.hold_signaling_kb`: bytes between the pages and the server (relay,
 *   broker, presence polling), both ways.
 * - `net.hold_turn_datagrams` / `net.hold_turn_kb`: what the browsers sent towards TURN
 *   meanwhile (ICE checks, allocation attempts, retransmissions), all dropped by the cut.
 * - `net.idle_60s_signals` / `net.idle_60s_signaling_kb`: the same for the idle minute before.
 *
 * HOLD_FIRST_CONTACT=relay (or peerjs) runs the devices with that first contact instead of the
 * default (the relay and the broker at once), to compare.
 */
import { createSignalingServer } from '../signaling/server.ts'
import { startCoturn } from '../tests/support/coturn.ts'
import { startUdpPathProxy } from '../tests/support/udp-path-proxy.ts'
import { startByteCountingProxy } from './byte-counting-proxy.ts'
import type { BenchContext, Metric } from './harness.ts'
import { device, inviteFrom, say, shown } from './net-devices.ts'

const SECRET = 'bench-hold-secret'
const IDLE_MS = 60_000
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** Signals the relay has forwarded so far, read from its /metrics. */
async function signalsForwarded(serverUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', serverUrl))).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('relay_signals_forwarded_total')) total += Number(line.split(' ').pop())
  }
  return total
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const holdMinutes = Number(process.env.HOLD_MINUTES ?? 10)
  if (!(holdMinutes > 0)) throw new Error('HOLD_MINUTES must be a positive number')
  await ctx.ensureBuilt()
  const browser = await ctx.browser()
  const coturn = await startCoturn(SECRET)
  const turn = await startUdpPathProxy(coturn.port)
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    logger: quiet,
    ice: { turn: [`turn:127.0.0.1:${turn.port}?transport=udp`], turnSecret: SECRET },
  })
  const tcp = await startByteCountingProxy(server.address.url)
  const pages: Awaited<ReturnType<typeof device>>[] = []
  try {
    const firstContact = process.env.HOLD_FIRST_CONTACT
    const settings = firstContact ? { firstContact } : {}
    const ann = await device(browser, tcp.url, 'Ann', settings)
    const bob = await device(browser, tcp.url, 'Bob', settings)
    pages.push(ann, bob)
    await bob.goto(await inviteFrom(ann, 'Hold bench'), { timeout: 90_000 })
    await shown(bob, 'workplace-name', 'Hold bench', 'Bob to have joined')
    for (const page of [ann, bob]) await page.getByTestId('tab-chat').click()
    await say(ann, 'before the hold')
    await shown(bob, 'chat-message-text', 'before the hold', 'the first message')

    const snapshot = async () => ({
      signals: await signalsForwarded(server.address.url),
      bytes: tcp.sent + tcp.received,
      datagrams: turn.counts.dropped,
      turnBytes: turn.counts.droppedBytes,
    })
    const idleStart = await snapshot()
    await ann.waitForTimeout(IDLE_MS)
    const idleEnd = await snapshot()
    ctx.log(
      `idle 60 s: ${idleEnd.signals - idleStart.signals} signals, ` +
        `${((idleEnd.bytes - idleStart.bytes) / 1024).toFixed(1)} KB to and from the server`,
    )

    turn.cut()
    const holdStart = await snapshot()
    await ann.waitForTimeout(holdMinutes * 60_000)
    const holdEnd = await snapshot()
    turn.restore()
    await say(ann, 'after the hold')
    await shown(bob, 'chat-message-text', 'after the hold', 'a message after the hold')
    const hold = {
      signals: holdEnd.signals - holdStart.signals,
      kb: (holdEnd.bytes - holdStart.bytes) / 1024,
      datagrams: holdEnd.datagrams - holdStart.datagrams,
      turnKb: (holdEnd.turnBytes - holdStart.turnBytes) / 1024,
    }
    ctx.log(
      `hold ${holdMinutes} min: ${hold.signals} signals, ${hold.kb.toFixed(1)} KB to and from ` +
        `the server; ${hold.datagrams} datagrams (${hold.turnKb.toFixed(1)} KB) towards TURN`,
    )
    const runs = 1
    return [
      { name: 'net.hold_signals', value: hold.signals, unit: 'count', runs },
      { name: 'net.hold_signaling_kb', value: Math.round(hold.kb), unit: 'KB', runs },
      { name: 'net.hold_turn_datagrams', value: hold.datagrams, unit: 'count', runs },
      { name: 'net.hold_turn_kb', value: Math.round(hold.turnKb), unit: 'KB', runs },
      {
        name: 'net.idle_60s_signals',
        value: idleEnd.signals - idleStart.signals,
        unit: 'count',
        runs,
      },
      {
        name: 'net.idle_60s_signaling_kb',
        value: Math.round((idleEnd.bytes - idleStart.bytes) / 1024),
        unit: 'KB',
        runs,
      },
    ]
  } finally {
    await Promise.all(pages.map((page) => page.context().close()))
    await tcp.close()
    await server.close()
    await turn.close()
    await coturn.stop()
  }
}
