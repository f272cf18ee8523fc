import { WINDOW_PAGE } from '../../src/ui/chat/message-window.ts'
import { message, openChat } from './support/chat.ts'
import type { Device } from './support/device.ts'
import { expect, test } from './support/members.ts'

/** Sends `count` messages through the composer, one every `gapMs`, as a busy member would. */
async function sendBurst(device: Device, prefix: string, count: number, gapMs: number) {
  await device.page.evaluate(
    async ({ prefix, count, gapMs }) => {
      const input = document.querySelector<HTMLTextAreaElement>('[data-testid="chat-input"]')!
      const sendButton = document.querySelector<HTMLButtonElement>('[data-testid="chat-send"]')!
      const deadline = Date.now() + 30_000
      for (let i = 1; i <= count; i++) {
        while (input.value !== '') {
          if (Date.now() > deadline) throw new Error(`${prefix} ${i - 1} was not sent in 30 s`)
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
        input.value = `${prefix} ${i}`
        input.dispatchEvent(new Event('input', { bubbles: true }))
        // Send is enabled once the app has the text, a microtask later.
        await Promise.resolve()
        sendButton.click()
        await new Promise((resolve) => setTimeout(resolve, gapMs))
      }
    },
    { prefix, count, gapMs },
  )
}

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
}

/**
 * Layouts of the page's main thread (process `pid`) that script forced: run inside a script
 * call, not by the frame's own update (a ResizeObserver's callback, inside the frame, finds the
 * layout done).
 */
function forcedLayouts(events: TraceEvent[], pid: number): number {
  const main = events.find(
    (e) => e.pid === pid && e.name === 'thread_name' && 'args' in e && isMain(e.args),
  )
  const own = events
    .filter((e) => e.pid === pid && e.tid === main?.tid && e.ph === 'X')
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
  const open: TraceEvent[] = []
  let forced = 0
  for (const e of own) {
    while (open.length > 0 && open.at(-1)!.ts + (open.at(-1)!.dur ?? 0) <= e.ts) open.pop()
    if (e.name === 'Layout') {
      const frame = open.findLastIndex((a) => a.name === 'WebFrameWidgetImpl::UpdateLifecycle')
      const script = open.findLastIndex((a) => SCRIPT.has(a.name))
      if (script > frame) forced++
    }
    open.push(e)
  }
  return forced
}

const SCRIPT = new Set(['FunctionCall', 'v8.callFunction', 'RunMicrotasks', 'TimerFire'])
const isMain = (args: unknown) => (args as { name?: string } | undefined)?.name === 'CrRendererMain'

test('following a busy chat measures no layout between renders: one layout per frame', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await openChat(ann.page)
  await openChat(bob.page)
  // More than a screenful, so that Bob's list scrolls and follows the newest at the bottom,
  // and a whole rendered window, so that the window slides with each message of the burst.
  await sendBurst(ann, 'Fill', WINDOW_PAGE, 20)
  await expect(message(bob.page, `Fill ${WINDOW_PAGE}`)).toBeInViewport()

  const browser = bob.context.browser()!
  await browser.startTracing(bob.page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  })
  // Finds Bob's renderer in the trace.
  await bob.page.evaluate(() => performance.mark('bob-follows'))
  const count = 40
  await sendBurst(ann, 'Burst', count, 40)
  await expect
    .poll(() => bob.page.evaluate(() => document.body.textContent?.includes('Burst 40')))
    .toBe(true)
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as {
    traceEvents: TraceEvent[]
  }
  const mark = traceEvents.find((e) => e.name === 'bob-follows')
  expect(mark, 'the trace has Bob’s mark').toBeDefined()
  // Measuring the list between DOM changes, as following the bottom did, laid it out once or
  // twice per arriving message on top of the frames' layouts.
  expect(forcedLayouts(traceEvents, mark!.pid)).toBeLessThanOrEqual(count / 10)
  await expect(message(bob.page, `Burst ${count}`)).toBeInViewport()
})

test('sending with the Send button lays nothing out at once: the next frame does', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await openChat(ann.page)
  await openChat(bob.page)
  await sendBurst(ann, 'Fill', 20, 20)
  await expect(message(bob.page, 'Fill 20')).toBeVisible()

  const browser = ann.context.browser()!
  await browser.startTracing(ann.page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  })
  await ann.page.evaluate(() => performance.mark('ann-sends'))
  const count = 30
  await sendBurst(ann, 'Tap', count, 40)
  await expect(message(ann.page, `Tap ${count}`)).toBeVisible()
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as {
    traceEvents: TraceEvent[]
  }
  const mark = traceEvents.find((e) => e.name === 'ann-sends')
  expect(mark, 'the trace has Ann’s mark').toBeDefined()
  // Submitting a form (Send as a submit button) laid the page out inside the click, each time.
  expect(forcedLayouts(traceEvents, mark!.pid)).toBeLessThanOrEqual(count / 10)
})
