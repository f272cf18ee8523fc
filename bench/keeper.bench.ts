/**
 * `keeper.catchup_ms`: a member of a workplace whose only online device is the keeper (a real
 * child process, keeper/main.ts) reopens the app after 1,000 changes others made while it was
 * away -> its root document's heads equal what the keeper holds (median over the rounds). Each
 * round a fresh Node device of the project's stack joins, makes the changes, waits until the
 * keeper holds them and its signed name (the keeper's status file) and leaves, so nobody but the
 * keeper can serve them. Phases per round and their medians are logged with the load average.
 * `keeper.catchup_stalls`: rounds in which the member was not caught up within 30 s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeHeads } from '@automerge/automerge-repo'
import type { Browser, Page } from 'playwright-core'
import { readStatus } from '../keeper/keeper-status.ts'
import { decodeWorkplaceLink } from '../src/crdt/workplace/invite-link.ts'
import { startNodeDevice } from '../tests/e2e/support/node-device.ts'
import { startKeeper, type KeeperProcess } from '../tests/support/keeper-process.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const CHANGES = 1000
const ROUNDS = Number(process.env.KEEPER_BENCH_ROUNDS ?? 5)
const STEP_MS = 60_000
/** A member's catch-up counts as a stall past this. */
const ROUND_DEADLINE_MS = 30_000

async function poll<T>(
  what: string,
  timeoutMs: number,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

async function invite(page: Page): Promise<string> {
  const field = page.getByTestId('invite-link')
  const previous = (await field.count()) > 0 ? await field.inputValue() : ''
  await page.getByLabel('Uses').selectOption({ label: '1 person' })
  await page.getByRole('button', { name: 'Create invite link' }).click()
  return poll(
    'a new invite link to show',
    STEP_MS,
    () => field.inputValue(),
    (value) => value !== '' && value !== previous,
  )
}

/**
 * The root document's heads on the page, URL-encoded as the keeper's status file and the
 * handle give them (`data-heads` lists Automerge's hex heads, `doc:head.head`).
 */
async function pageRootHeads(page: Page, rootDoc: string): Promise<string> {
  const view = page.getByTestId('workplace')
  // No workplace view (yet): nothing caught up, and the poll goes on until its deadline.
  if ((await view.count()) === 0) return 'no workplace view'
  const all = (await view.getAttribute('data-heads')) ?? ''
  const entry = all.split(' ').find((e) => e.startsWith(`${rootDoc}:`))
  if (!entry) return ''
  const hex = entry
    .slice(rootDoc.length + 1)
    .split('.')
    .filter(Boolean)
  return encodeHeads(hex).sort().join('.')
}

/** What the page's document storage holds: chunks by kind, with their bytes. */
async function storedChunks(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('peerplace-documents')
        open.onsuccess = () => {
          const db = open.result
          const names = [...db.objectStoreNames]
          const tx = db.transaction(names, 'readonly')
          const counts: Record<string, [number, number]> = {}
          for (const name of names) {
            tx.objectStore(name).openCursor().onsuccess = (event) => {
              const cursor = (event.target as IDBRequest<IDBCursorWithValue | null>).result
              if (!cursor) return
              const key = cursor.key as string[]
              const kind = `${String(key[0]).slice(0, 5)}/${String(key[1])}`
              const value = cursor.value as { binary?: Uint8Array }
              const entry = (counts[kind] ??= [0, 0])
              entry[0]++
              entry[1] += value.binary?.byteLength ?? 0
              cursor.continue()
            }
          }
          tx.oncomplete = () => resolve(JSON.stringify(counts))
        }
        open.onerror = () => resolve('unreadable')
      }),
  )
}

/**
 * One return of the member: opens the app, opens the workplace and waits until its root heads
 * equal the writer's. Phases, in ms from the start: `load` (the page loaded), `open` (the
 * workplace opened: the app had loaded its workplaces), `link` (the keeper logged its link
 * with the member), `heads` (caught up). `KEEPER_BENCH_TRACE=1` logs the keeper's lines and the
 * page's console with their times; `KEEPER_BENCH_PROFILE=<prefix>` writes the page's CPU profile.
 */
async function catchUp(
  ctx: BenchContext,
  o: { page: Page; url: string; root: string; heads: string; keeper: KeeperProcess; round: number },
): Promise<{ total: number; phases: Record<string, number | undefined> }> {
  const { page, keeper, round } = o
  const trace: string[] = []
  const t0 = Date.now()
  const mark = (what: string, at = Date.now()) =>
    trace.push(`${String(at - t0).padStart(6)} ${what}`)
  page.on('console', (m) => mark(`page ${m.type()}: ${m.text().slice(0, 200)}`))
  const keeperFrom = keeper.lines.length
  const profileTo = process.env.KEEPER_BENCH_PROFILE
  const cdp = profileTo ? await page.context().newCDPSession(page) : undefined
  if (cdp) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
    await cdp.send('Profiler.start')
  }
  try {
    await page.goto(o.url)
    const load = Date.now() - t0
    if (process.env.KEEPER_BENCH_TRACE) mark(`stored: ${await storedChunks(page)}`)
    await page.getByTestId('open-workplace').filter({ hasText: 'Bench' }).click()
    const open = Date.now() - t0
    // Caught up: the member's heads include the keeper's of before its return. A change made
    // at its return (by the member, concurrently, as some rounds showed) adds a head beside
    // them; one the keeper makes on top of them hides them, so the keeper's current heads
    // (its status file, every 2 s) count too.
    const wanted = o.heads.split('.')
    let keeperNow = o.heads
    let statusAt = 0
    await poll(
      `round ${round}: the member's root heads to include the keeper's`,
      ROUND_DEADLINE_MS,
      async () => {
        if (Date.now() - statusAt > 1000) {
          statusAt = Date.now()
          const status = await readStatus(keeper.dataDir).catch(() => undefined)
          keeperNow = status?.workplaces[0]?.rootHeads.join('.') ?? keeperNow
        }
        return pageRootHeads(page, o.root)
      },
      (mine) => wanted.every((h) => mine.split('.').includes(h)) || mine === keeperNow,
      10,
    )
    const total = Date.now() - t0
    const linked = keeper.lines.slice(keeperFrom).find((line) => / link-up /.test(line))
    const link = linked ? Date.parse(linked.slice(0, 24)) - t0 : undefined
    ctx.log(
      `round ${round}: caught up with ${CHANGES} changes in ${total} ms (page load ${load}, ` +
        `workplace open ${open}, keeper linked ${link ?? '?'}, heads equal ${total}; ms from start)`,
    )
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop')
      await writeFile(`${profileTo}-round${round}.cpuprofile`, JSON.stringify(profile))
    }
    return { total, phases: { load, open, link, heads: total } }
  } catch (error) {
    // What each side held when it gave up, to tell a sync stall from a page that never opened.
    const mine = await pageRootHeads(page, o.root).catch(() => 'page gone')
    const status = await readStatus(keeper.dataDir).catch(() => undefined)
    ctx.log(
      `round ${round} stalled: wanted ${o.heads}; the page ${mine || 'none'}; the keeper ` +
        `${status?.workplaces[0]?.rootHeads.join('.') ?? '?'}, online ${status?.workplaces[0]?.online.join(',') ?? '?'}`,
    )
    if (profileTo) await page.screenshot({ path: `${profileTo}-round${round}-stall.png` })
    throw error
  } finally {
    if (process.env.KEEPER_BENCH_TRACE) {
      for (const line of keeper.lines.slice(keeperFrom)) {
        const at = Date.parse(line.slice(0, 24))
        mark(`keeper ${line.slice(25, 225)}`, Number.isFinite(at) ? at : Date.now())
      }
      ctx.log(trace.sort((a, b) => parseInt(a) - parseInt(b)).join('\n'))
    }
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const { url } = await ctx.server()
  const browser: Browser = await ctx.browser()
  const relay = new URL('/relay', url)
  relay.protocol = 'ws:'
  const dataDir = await mkdtemp(join(tmpdir(), 'peerplace-keeper-bench-'))
  let keeper: KeeperProcess | undefined
  const owner = await browser.newContext()
  const member = await browser.newContext()
  try {
    owner.setDefaultTimeout(STEP_MS)
    member.setDefaultTimeout(STEP_MS)
    const ownerPage = await owner.newPage()
    await ownerPage.goto(url)
    await ownerPage.getByTestId('new-workplace-name').fill('Bench')
    await ownerPage.getByRole('button', { name: 'Create', exact: true }).click()
    await ownerPage.getByTestId('workplace-name').filter({ hasText: 'Bench' }).waitFor()
    await ownerPage.getByTestId('tab-people').click()
    const forKeeper = await invite(ownerPage)
    const forMember = await invite(ownerPage)
    const forWriters: string[] = []
    for (let i = 0; i < ROUNDS; i++) forWriters.push(await invite(ownerPage))

    keeper = startKeeper(dataDir, ['--relay', relay.href, '--invite', forKeeper])
    await keeper.waitForLine(/ workplace .*name=Bench/, 'joining Bench', STEP_MS)
    const memberPage = await member.newPage()
    await memberPage.goto(forMember)
    await memberPage.getByTestId('tab-people').click()
    await memberPage.getByTestId('member-name').nth(2).waitFor()
    await memberPage.close()
    await owner.close()
    ctx.log('owner and member gone; only the keeper is online')

    const times: number[] = []
    const phases: Record<string, number[]> = {}
    let stalls = 0
    for (let round = 0; round < ROUNDS; round++) {
      const writer = await startNodeDevice(url, `Writer ${round + 1}`)
      let root = ''
      let heads = ''
      try {
        const link = decodeWorkplaceLink(forWriters[round]!)
        writer.stack.joins.start(link)
        const wp = await poll(
          `round ${round}: the writer to be admitted by the keeper`,
          STEP_MS,
          async () => writer.stack.workplaces.get(link.workplace),
          Boolean,
          100,
        )
        for (let i = 0; i < CHANGES; i++) {
          wp!.handle.change((doc) => {
            doc.description = `round ${round} change ${i}`
          })
        }
        root = wp!.handle.documentId
        // Joining also writes the writer's signed display name, often after these changes: the
        // keeper must come to hold whatever the writer holds, not the heads of this moment.
        const writerHeads = () => [...wp!.handle.heads()].sort().join('.')
        await poll(
          `round ${round}: the keeper to hold the writer's ${CHANGES} changes and signed name`,
          STEP_MS,
          () => readStatus(dataDir),
          (status) =>
            status?.workplaces[0]?.rootHeads.join('.') === writerHeads() &&
            wp!.members().some((m) => m.peer === wp!.self && m.name === `Writer ${round + 1}`),
          200,
        ).catch(async (error: unknown) => {
          heads = writerHeads()
          const status = await readStatus(dataDir)
          ctx.log(`writer's heads ${heads}; the keeper's ${JSON.stringify(status?.workplaces)}`)
          ctx.log(JSON.stringify(writer.stack.syncReport()).slice(0, 3000))
          throw error
        })
      } finally {
        await writer.close()
      }
      // What the member must catch up with: what the keeper holds once the writer is gone (the
      // writer's changes, and any the keeper made meanwhile, such as records it wrote back).
      const gone = Date.now()
      const held = await poll(
        `round ${round}: a keeper status written after the writer left`,
        STEP_MS,
        () => readStatus(dataDir),
        (status) => status !== undefined && Date.parse(status.updatedAt) > gone,
        200,
      )
      heads = held!.workplaces[0]!.rootHeads.join('.')
      const page = await member.newPage()
      try {
        const took = await catchUp(ctx, { page, url, root, heads, keeper, round })
        times.push(took.total)
        for (const [name, ms] of Object.entries(took.phases)) {
          if (ms !== undefined) (phases[name] ??= []).push(ms)
        }
      } catch (error) {
        stalls++
        ctx.log(`STALL ${error instanceof Error ? error.message : String(error)}`)
      } finally {
        await page.close()
      }
    }
    ctx.log(
      `median phases: ${Object.entries(phases)
        .map(([name, ms]) => `${name} ${Math.round(median(ms))} ms`)
        .join(', ')}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )
    return [
      ...(times.length > 0
        ? [
            {
              name: 'keeper.catchup_ms',
              value: Math.round(median(times)),
              unit: 'ms' as const,
              runs: times.length,
            },
          ]
        : []),
      { name: 'keeper.catchup_stalls', value: stalls, unit: 'count', runs: ROUNDS },
    ]
  } finally {
    await member.close()
    await owner.close().catch(() => {})
    if (keeper && !keeper.exited) await keeper.stop('SIGTERM')
    await rm(dataDir, { recursive: true, force: true })
  }
}
