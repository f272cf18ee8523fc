/**
 * In-page code for `chat.latency_*` (bench/chat-browser.bench.ts), run in the app's pages with
 * `page.evaluate`. Each function is self-contained (Playwright sends its source, not its closure).
 * Times are wall-clock milliseconds (`performance.timeOrigin + performance.now()`), comparable
 * across the pages of one browser on one machine.
 */

/**
 * tsx (esbuild) wraps named functions in `__name(...)` calls that a page does not define; a
 * function handed to `page.evaluate` needs this shim in the page first.
 */
export const NAME_SHIM = 'globalThis.__name ??= (fn) => fn'

/** A probe message's text carries who sent it, its number and when the send began. */
export const PROBE_TEXT = /^probe (\d+) from (\d+) at (\d+(?:\.\d+)?)$/

export interface Arrival {
  id: string
  text: string
  /** When the message's element was first added to the page. */
  at: number
}

export interface PlannedSend {
  seq: number
  /** Wall-clock time to send at. */
  at: number
}

/** A long task: when it began (`performance.now()`) and how long it ran, in milliseconds. */
export interface LongTask {
  start: number
  duration: number
}

declare global {
  interface Window {
    chatLatencyArrivals?: Arrival[]
    chatLongTasks?: LongTask[]
    chatFramesSent?: FramesSent
    chatIdleChanges?: IdleChanges
  }
}

/**
 * Records every chat message element that appears from now on (`window.chatLatencyArrivals`),
 * the first time its message ID is seen. Messages already shown are ignored. The observer's
 * callback runs right after the DOM change, before the next paint.
 */
export function installArrivalProbe(): void {
  const now = () => performance.timeOrigin + performance.now()
  const selector = '[data-testid="chat-message"]'
  const seen = new Set<string>()
  for (const el of document.querySelectorAll<HTMLElement>(selector)) seen.add(el.dataset.id ?? '')
  const arrivals: Arrival[] = []
  window.chatLatencyArrivals = arrivals
  const record = (el: HTMLElement, at: number) => {
    const id = el.dataset.id
    if (!id || seen.has(id)) return
    seen.add(id)
    const text = el.querySelector('[data-testid="chat-message-text"]')?.textContent ?? ''
    arrivals.push({ id, text: text.trim(), at })
  }
  new MutationObserver((records) => {
    const at = now()
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (!(node instanceof HTMLElement)) continue
        if (node.matches(selector)) record(node, at)
        for (const el of node.querySelectorAll<HTMLElement>(selector)) record(el, at)
      }
    }
  }).observe(document.body, { childList: true, subtree: true })
}

/**
 * Sends probe messages through the chat composer at the planned times, as a person would: the
 * text is put in the message box and the Send button clicked (a tap). The send time is taken
 * right before and written into the text. A send waits for the previous one to finish (the box
 * to empty); a late one goes at once. Resolves with how late the sends started, in milliseconds.
 */
export async function sendPlanned(args: {
  sender: number
  plan: PlannedSend[]
}): Promise<number[]> {
  const now = () => performance.timeOrigin + performance.now()
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
  const input = document.querySelector<HTMLTextAreaElement>('[data-testid="chat-input"]')
  const sendButton = document.querySelector<HTMLButtonElement>('[data-testid="chat-send"]')
  if (!input || !sendButton) throw new Error('no chat composer on this page')
  const lateness: number[] = []
  for (const { seq, at } of args.plan) {
    await sleep(at - now())
    const stuck = now() + 10_000
    while (input.value !== '') {
      if (now() > stuck) throw new Error(`send ${seq - 1} did not finish`)
      await sleep(1)
    }
    const sentAt = now()
    lateness.push(sentAt - at)
    input.value = `probe ${seq} from ${args.sender} at ${sentAt.toFixed(3)}`
    input.dispatchEvent(new Event('input', { bubbles: true }))
    // Send is enabled once the app has the text, a microtask later.
    await Promise.resolve()
    if (sendButton.disabled) throw new Error(`Send stayed disabled with probe ${seq} in the box`)
    sendButton.click()
  }
  // The last send is done when the box has emptied.
  const deadline = now() + 10_000
  while (input.value !== '' && now() < deadline) await sleep(5)
  if (input.value !== '') throw new Error('the last send did not finish within 10 s')
  return lateness
}

/**
 * Records the duration of every main-thread task of 50 ms or more from now on
 * (`window.chatLongTasks`, Long Tasks API); `takeLongTasks` reads and clears the list.
 */
export function installLongTaskProbe(): void {
  if (window.chatLongTasks) return
  const tasks: LongTask[] = []
  window.chatLongTasks = tasks
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      tasks.push({ start: entry.startTime, duration: entry.duration })
  }).observe({ type: 'longtask', buffered: false })
}

/** The long tasks recorded since the last call (see `installLongTaskProbe`). */
export function takeLongTasks(): LongTask[] {
  const tasks = window.chatLongTasks
  if (!tasks) throw new Error('no long-task probe in this page')
  return tasks.splice(0, tasks.length)
}

/** Frames and bytes a page sent, and frames by what they carried (see `installFrameCounter`). */
export interface FramesSent {
  frames: number
  bytes: number
  /** Frames by mesh channel (`mesh:<channel>`), else by the data channel's label. */
  byKind: Record<string, number>
}

/**
 * Counts what the page sends over its data channels (`window.chatFramesSent`): frames and bytes,
 * whatever layer sent them (chat, sync, receipts, presence). `takeFramesSent` reads and resets.
 * Frames are counted by kind: a mesh frame under its mesh channel, another link frame under its
 * link channel, anything else under the data channel's label.
 */
export function installFrameCounter(): void {
  if (window.chatFramesSent) return
  const sent: FramesSent = { frames: 0, bytes: 0, byKind: {} }
  window.chatFramesSent = sent
  const decoder = new TextDecoder()
  const kindOf = (channel: RTCDataChannel, data: unknown): string => {
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : undefined
    // A link frame (src/peer/link/link-protocol.ts): [type u8], for data [channel: u8 length,
    // UTF-8][payload]; on the link's 'mesh' channel the payload is a mesh frame
    // (src/peer/mesh/mesh-protocol.ts): [version 1][kind 1][header length u16][JSON header].
    if (bytes && (bytes[0] === 3 || bytes[0] === 4)) return 'link:ping'
    if (bytes && bytes[0] === 6) return 'link:fragment'
    if (bytes && bytes[0] === 5 && bytes.length > 2) {
      const linkChannel = decoder.decode(bytes.subarray(2, 2 + bytes[1]!))
      const mesh = bytes.subarray(2 + bytes[1]!)
      if (linkChannel !== 'mesh' || mesh.length < 4 || mesh[0] !== 1 || mesh[1] !== 1) {
        return `link:${linkChannel}`
      }
      try {
        const length = (mesh[2]! << 8) | mesh[3]!
        const header = JSON.parse(decoder.decode(mesh.subarray(4, 4 + length))) as {
          channel?: unknown
        }
        if (typeof header.channel === 'string') return `mesh:${header.channel}`
      } catch {
        // Not a mesh frame after all: counted by the link channel.
      }
      return `link:${linkChannel}`
    }
    return channel.label
  }
  const send = RTCDataChannel.prototype.send
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    sent.frames++
    const sized = data as { byteLength?: number; size?: number; length?: number }
    sent.bytes += sized.byteLength ?? sized.size ?? sized.length ?? 0
    const kind = kindOf(this, data)
    sent.byKind[kind] = (sent.byKind[kind] ?? 0) + 1
    send.call(this, data)
  }
}

/** Frames and bytes sent since the last call (see `installFrameCounter`). */
export function takeFramesSent(): FramesSent {
  const sent = window.chatFramesSent
  if (!sent) throw new Error('no frame counter in this page')
  const taken = { ...sent }
  sent.frames = 0
  sent.bytes = 0
  sent.byKind = {}
  return taken
}

/** DOM changes (by changed element) seen since `watchIdleChanges`. */
export interface IdleChanges {
  mutations: Record<string, number>
  stop?: () => void
}

/**
 * Counts the page's DOM changes by the element changed (its test ID, else its tag and class):
 * what may keep an idle page drawing (frames are in a trace, `PEERPLACE_CHAT_IDLE_TRACE`; counting
 * them here with requestAnimationFrame would draw one every vsync). `takeIdleChanges` stops and
 * reads.
 */
export function watchIdleChanges(): void {
  const changes: IdleChanges = { mutations: {} }
  window.chatIdleChanges = changes
  const label = (node: Node | null): string => {
    const el = node instanceof Element ? node : node?.parentElement
    if (!el) return '?'
    const id = el.closest('[data-testid]')?.getAttribute('data-testid')
    return id ?? `${el.tagName.toLowerCase()}.${el.className}`
  }
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const what = `${label(r.target)}(${r.type === 'attributes' ? `@${r.attributeName}` : r.type})`
      changes.mutations[what] = (changes.mutations[what] ?? 0) + 1
    }
  })
  observer.observe(document.body, {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  })
  changes.stop = () => observer.disconnect()
}

export function takeIdleChanges(): IdleChanges {
  const changes = window.chatIdleChanges
  if (!changes) throw new Error('no idle watch in this page')
  delete window.chatIdleChanges
  changes.stop?.()
  return { mutations: changes.mutations }
}
