/**
 * CPU profiles of a page's dedicated workers (the documents worker, the vCard worker), through
 * the browser's DevTools session: Playwright opens DevTools sessions on pages only, so each
 * worker target is attached to (unflattened) and spoken to through `Target.sendMessageToTarget`.
 */
import { writeFileSync } from 'node:fs'
import type { Browser, CDPSession } from 'playwright-core'

interface Attached {
  sessionId: string
  url: string
}

const REPLY_MS = 30_000

export class WorkerProfiler {
  readonly #session: CDPSession
  readonly #attached: Attached[] = []
  #next = 1
  readonly #waiting = new Map<number, (result: unknown) => void>()

  private constructor(session: CDPSession) {
    this.#session = session
    session.on('Target.receivedMessageFromTarget', ({ message }) => {
      const reply = JSON.parse(message) as { id?: number; result?: unknown; error?: unknown }
      if (reply.id === undefined) return
      const done = this.#waiting.get(reply.id)
      this.#waiting.delete(reply.id)
      done?.(reply.error ? { error: reply.error } : reply.result)
    })
  }

  /** Attaches to every worker target open now (whose URL contains `match`). */
  static async attach(browser: Browser, match = ''): Promise<WorkerProfiler> {
    const session = await browser.newBrowserCDPSession()
    const profiler = new WorkerProfiler(session)
    const { targetInfos } = await session.send('Target.getTargets')
    for (const t of targetInfos) {
      if (t.type !== 'worker' || !t.url.includes(match)) continue
      const { sessionId } = await session.send('Target.attachToTarget', {
        targetId: t.targetId,
        flatten: false,
      })
      profiler.#attached.push({ sessionId, url: t.url })
    }
    return profiler
  }

  get workers(): string[] {
    return this.#attached.map((a) => a.url)
  }

  async start(intervalUs = 1000): Promise<void> {
    for (const a of this.#attached) {
      await this.#send(a, 'Profiler.enable')
      await this.#send(a, 'Profiler.setSamplingInterval', { interval: intervalUs })
      await this.#send(a, 'Profiler.start')
    }
  }

  /** Stops each worker's profile and writes it to `<prefix>-<n>.cpuprofile`; returns the paths. */
  async stop(prefix: string): Promise<string[]> {
    const paths: string[] = []
    for (const [i, a] of this.#attached.entries()) {
      const result = (await this.#send(a, 'Profiler.stop')) as { profile?: unknown }
      const path = `${prefix}-${i}.cpuprofile`
      writeFileSync(path, JSON.stringify(result.profile))
      paths.push(`${path} (${a.url.replace(/^.*\//, '')})`)
    }
    await this.#session.detach().catch(() => {})
    return paths
  }

  #send(to: Attached, method: string, params: object = {}): Promise<unknown> {
    const id = this.#next++
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the worker did not answer ${method} in ${REPLY_MS} ms`)),
        REPLY_MS,
      )
      this.#waiting.set(id, (result) => {
        clearTimeout(timer)
        resolve(result)
      })
    })
    void this.#session.send('Target.sendMessageToTarget', {
      sessionId: to.sessionId,
      message: JSON.stringify({ id, method, params }),
    })
    return reply
  }
}
