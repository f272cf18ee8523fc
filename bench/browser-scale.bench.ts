/**
 * Issue 18's browser-level scale run: the scenario of tests/e2e/support/scale-scenario.ts (50 light
 * members of the project's stack in one Node process, in-memory pipes among them and WebRTC to
 * 3 members in Chromium), once, with its numbers: `scale.form_ms_53` (from the start to all 53
 * agreeing on the root document and the members), `scale.chat_ms_53` (a page's message in all
 * 52 others), `scale.failover_ms_53` (the Syncer gone -> every remaining page names the next;
 * goal 3000), `scale.relay_down_join_ms` (a newcomer joins with the relay down until all agree
 * again) and `scale.webrtc_links` (WebRTC links between light members and pages). It fails
 * when any of these does not happen (see scale-scenario.ts for what it checks). It takes minutes
 * on two cores, so it runs here rather than in every e2e run.
 */
import { runScale } from '../tests/e2e/support/scale-scenario.ts'
import type { Device } from '../tests/e2e/support/device.ts'
import type { BenchContext, Metric } from './harness.ts'

export async function run(ctx: BenchContext): Promise<Metric[]> {
  await ctx.ensureBuilt()
  const { url } = await ctx.server()
  const devices: Device[] = []
  try {
    const n = await runScale({ browser: await ctx.browser(), baseUrl: url, devices, log: ctx.log })
    ctx.log(
      `${n.webrtcHolders} light members held ${n.webrtcLinks} WebRTC links, ${n.memoryLinks} ` +
        `in-memory links; the Syncer that left was a ${n.syncerWas}; whole run ${n.totalMs} ms`,
    )
    const one = (name: string, value: number, unit: Metric['unit'] = 'ms'): Metric => ({
      name,
      value,
      unit,
      runs: 1,
    })
    return [
      one('scale.form_ms_53', n.formedMs),
      one('scale.chat_ms_53', n.chatMs),
      one('scale.failover_ms_53', n.failoverMs),
      one('scale.relay_down_join_ms', n.joinMs),
      one('scale.webrtc_links', n.webrtcLinks, 'count'),
    ]
  } finally {
    for (const device of devices) await device.context.close()
  }
}
