/**
 * Where a chat message's time goes, hop by hop (`PEERPLACE_CHAT_HOPS=<file>` in the chat bench):
 * the app records `[stage, key, wall-clock ms]` at each hop (src/lib/hop-marks.ts) in every page
 * and documents worker once `globalThis.peerplaceHops` is an array; this collects them around a
 * round and prints, per stage, the median and p90 time since the send began.
 * `npx tsx bench/chat-hops.ts <file>` summarises a written file again.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { PROBE_TEXT } from './chat-latency-probe.ts'

type Hop = [stage: string, key: string, at: number]
/** Each page's hops and its documents worker's (if any), in page order. */
export type HopLog = { page: Hop[]; worker: Hop[] }[]

const START = 'globalThis.peerplaceHops = []'
const TAKE = 'globalThis.peerplaceHops ?? []'

function workerOf(page: Page) {
  return page.workers().find((w) => w.url().includes('documents-worker'))
}

export async function startHops(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await page.evaluate(START)
    await workerOf(page)?.evaluate(START)
  }
}

export async function takeHops(pages: Page[], path: string): Promise<string> {
  const log: HopLog = []
  for (const page of pages) {
    const worker = workerOf(page)
    log.push({
      page: (await page.evaluate(TAKE)) as Hop[],
      worker: worker ? ((await worker.evaluate(TAKE)) as Hop[]) : [],
    })
  }
  writeFileSync(path, JSON.stringify(log))
  return summarise(log)
}

/** Per stage: median and p90 of (time at that hop - send began), over messages and receivers. */
export function summarise(log: HopLog): string {
  const since = new Map<string, number[]>()
  const add = (stage: string, ms: number) => {
    if (!since.has(stage)) since.set(stage, [])
    since.get(stage)!.push(ms)
  }
  // Sender side: by text; the change key links it to the receivers' hops.
  const keyOfText = new Map<string, string>()
  const sentAt = (text: string) => Number(PROBE_TEXT.exec(text)?.[3] ?? NaN)
  for (const { page, worker } of log) {
    for (const [stage, key] of [...page, ...worker]) {
      if (stage !== 'c-link') continue
      const [text, change] = key.split('|') as [string, string]
      keyOfText.set(change, text)
    }
  }
  log.forEach(({ page, worker }, receiver) => {
    const firstOf = new Map<string, number>()
    for (const [stage, key, at] of [
      ...page.map((h) => ['p:' + h[0], h[1], h[2]] as Hop),
      ...worker.map((h) => ['w:' + h[0], h[1], h[2]] as Hop),
    ]) {
      if (stage.endsWith('c-link') || stage.endsWith('w-change') || stage.endsWith('p-update'))
        continue
      const text = PROBE_TEXT.test(key) ? key : keyOfText.get(key)
      if (!text) continue
      const from = Number(PROBE_TEXT.exec(text)![2])
      const role = from === receiver ? 'send' : 'recv'
      const id = `${role} ${stage} ${text}`
      if (!firstOf.has(id)) firstOf.set(id, at - sentAt(text))
    }
    for (const [id, ms] of firstOf) add(id.split(' ').slice(0, 2).join(' '), ms)
  })
  const rows = [...since].map(([stage, values]) => {
    const sorted = values.sort((a, b) => a - b)
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
    return { stage, n: values.length, p50: p(0.5), p90: p(0.9) }
  })
  rows.sort((a, b) => a.p50 - b.p50)
  return rows
    .map(
      (r) =>
        `${r.stage.padEnd(22)} n=${String(r.n).padStart(5)} p50 ${r.p50.toFixed(1).padStart(7)} p90 ${r.p90.toFixed(1).padStart(7)} ms`,
    )
    .join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(
    `${summarise(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HopLog)}\n`,
  )
}
