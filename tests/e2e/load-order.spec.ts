import { expect, test, type BrowserContext, type Page, type Route } from '@playwright/test'
import { messageTexts, openChat, send } from './support/chat.ts'
import { createInvite, createWorkplace } from './support/workplace.ts'

// The service worker would answer from its cache, out of the routes' reach.
test.use({ serviceWorkers: 'block' })

/** Holds Automerge's wasm back from `target`'s pages (the document layer cannot finish). */
async function holdWasm(target: Page | BrowserContext) {
  let held: Route | undefined
  await target.route('**/*.wasm', (route) => {
    held = route
  })
  return {
    /** Resolves once a page asked for the wasm (and is kept waiting). */
    requested: () => expect.poll(() => held, { message: 'the wasm to be requested' }).toBeDefined(),
    /** Lets the held request through, and later ones too. */
    release: async () => {
      await held!.continue()
      await target.unroute('**/*.wasm')
    },
  }
}

test('the workplace list is painted from the index, and clickable, before Automerge’s wasm arrives', async ({
  page,
}) => {
  await page.goto('/')
  await createWorkplace(page, 'Bakery')
  await page.getByRole('button', { name: 'Back to workplaces' }).click()
  await createWorkplace(page, 'Apiary')

  // Hold the wasm back on the next start: only the index can show the list then.
  const wasm = await holdWasm(page)
  await page.reload()
  const saved = page.getByTestId('saved-workplace-list')
  await expect(saved.getByTestId('open-workplace')).toHaveText(['Apiary', 'Bakery'])
  await expect(
    page.getByRole('status').filter({ hasText: 'Opening your workplaces' }),
  ).toBeVisible()
  await expect(page.getByTestId('workplace-list')).toHaveCount(0)

  // A workplace picked now opens once the documents are ready.
  await saved.getByTestId('open-workplace').filter({ hasText: 'Bakery' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Opening Bakery…' })).toBeVisible()
  await wasm.requested()
  await expect(page.getByTestId('workplace')).toHaveCount(0)

  await wasm.release()
  await expect(page.getByTestId('workplace-name')).toHaveText('Bakery')
  await expect(saved).toHaveCount(0)
})

test('the workplace screen’s code is fetched once the list has painted, beside Automerge’s wasm', async ({
  page,
}) => {
  // Held: the document layer cannot finish, so only an early fetch asks for the screen's code.
  const wasm = await holdWasm(page)
  const screenCode = page.waitForRequest(/\/WorkplacesScreen-[^/]*\.js$/, { timeout: 15_000 })
  await page.goto('/')
  await expect(
    page.getByRole('status').filter({ hasText: 'Opening your workplaces' }),
  ).toBeVisible()
  await wasm.requested()
  await screenCode
  await expect(page.getByTestId('new-workplace-name')).toHaveCount(0)

  await wasm.release()
  await expect(page.getByTestId('new-workplace-name')).toBeVisible()
})

test('a picked workplace shows its chat as last seen before Automerge’s wasm arrives, and a message typed then is sent', async ({
  page,
}) => {
  await page.goto('/')
  await createWorkplace(page, 'Bakery')
  for (const text of ['Dough at six', 'Ovens on', 'Rye sold out']) await send(page, text)
  // The chat's newest messages are saved beside the summary (a moment after it changes).
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const request = indexedDB.open('peerplace-summaries')
            request.onsuccess = () => resolve(request.result)
            request.onerror = () => reject(request.error)
          })
          const rows = await new Promise<{ window?: { messages: unknown[] } }[]>((resolve) => {
            const request = db.transaction('summaries').objectStore('summaries').getAll()
            request.onsuccess = () => resolve(request.result)
          })
          db.close()
          return rows[0]?.window?.messages.length ?? 0
        }),
      { message: 'the chat window to be saved', timeout: 10_000 },
    )
    .toBe(3)

  const wasm = await holdWasm(page)
  await page.reload()
  await page
    .getByTestId('saved-workplace-list')
    .getByTestId('open-workplace')
    .filter({ hasText: 'Bakery' })
    .click()
  const preview = page.getByTestId('workplace-preview')
  await expect(preview).toBeVisible()
  await expect.poll(() => messageTexts(page)).toEqual(['Dough at six', 'Ovens on', 'Rye sold out'])
  await wasm.requested()
  await expect(page.getByTestId('workplace')).toHaveCount(0)

  // Typed while the chat still opens: sent by the chat once it is open.
  await page.getByTestId('chat-input').fill('Croissants ready')
  await page.getByTestId('chat-send').click()
  await wasm.release()
  await expect(page.getByTestId('workplace-name')).toHaveText('Bakery')
  await expect(preview).toHaveCount(0)
  await expect
    .poll(() => messageTexts(page), { timeout: 15_000 })
    .toEqual(['Dough at six', 'Ovens on', 'Rye sold out', 'Croissants ready'])
})

test('with nothing saved, the empty list’s words are painted before Automerge’s wasm arrives', async ({
  page,
}) => {
  const wasm = await holdWasm(page)
  await page.goto('/')
  await expect(page.getByText('No workplaces on this device yet.')).toBeVisible()
  await expect(page.getByTestId('new-workplace-name')).toHaveCount(0)
  await wasm.requested()
  await wasm.release()
  await expect(page.getByTestId('new-workplace-name')).toBeVisible()
  await expect(page.getByText('No workplaces on this device yet.')).toHaveCount(1)
})

test('Automerge’s wasm is compiled while it streams in, sent brotli-compressed', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const calls: string[] = []
    Object.assign(window, { wasmCalls: calls })
    const wasm = WebAssembly as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of ['instantiateStreaming', 'compileStreaming', 'instantiate', 'compile']) {
      const original = wasm[name]!.bind(WebAssembly)
      wasm[name] = (...args: unknown[]) => {
        calls.push(name)
        return original(...args)
      }
    }
  })
  const wasmResponse = page.waitForResponse((r) => r.url().endsWith('.wasm'), { timeout: 30_000 })
  await page.goto('/')
  const response = await wasmResponse
  expect(response.headers()['content-type']).toBe('application/wasm')
  expect(response.headers()['content-encoding']).toBe('br')
  // Without the function names only a debugger reads (0.69 MB raw, ~50 KB brotli).
  const served = await WebAssembly.compile(new Uint8Array(await response.body()))
  expect(WebAssembly.Module.customSections(served, 'name')).toHaveLength(0)
  await expect(page.getByTestId('new-workplace-name')).toBeVisible()
  const calls = await page.evaluate(() => (window as unknown as { wasmCalls: string[] }).wasmCalls)
  expect(calls).toContain('instantiateStreaming')
  expect(calls).not.toContain('instantiate')
  expect(calls).not.toContain('compile')
})

test('an invite link’s page reaches the inviter, and is admitted, while Automerge’s wasm is still on its way', async ({
  page,
  browser,
}) => {
  await page.goto('/')
  await createWorkplace(page, 'Bakery')
  await openChat(page)
  await send(page, 'Fresh bread at six')
  const invite = await createInvite(page)
  await expect(page.getByTestId('member-name')).toHaveCount(1)

  // A first visit from the link, with the wasm held back: only the peer layer can link now.
  const invitee = await browser.newContext()
  try {
    const wasm = await holdWasm(invitee)
    const joining = await invitee.newPage()
    await joining.goto(invite)
    await wasm.requested()
    await expect(joining.getByTestId('linked-count')).toHaveAttribute('data-count', '1')
    // The invite was presented over that link and the inviter checked it and let the device in.
    await expect(page.getByTestId('member-name')).toHaveCount(2)
    await expect(joining.getByTestId('workplace-name')).toHaveCount(0)

    await wasm.release()
    await expect(joining.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
    await expect(joining.getByTestId('workplace-name')).toHaveText('Bakery')
    // What the inviter synced before the newcomer's documents could receive it still arrives.
    await openChat(joining)
    await expect(
      joining.getByTestId('chat-message-text').filter({ hasText: 'Fresh bread at six' }),
    ).toBeVisible()
  } finally {
    await invitee.close()
  }
})

test('a first visit paints before simple-peer and its Node polyfills arrive, and connects after', async ({
  page,
}) => {
  // Any script carrying simple-peer's code (one of its own error messages) is held back.
  const held: { route: Route; body: Buffer }[] = []
  await page.route('**/*.js', async (route) => {
    const body = await (await route.fetch()).body()
    if (body.includes('cannot signal after peer is destroyed')) held.push({ route, body })
    else await route.continue()
  })
  await page.goto('/')
  await expect(page.getByText('No workplaces on this device yet.')).toBeVisible()
  await expect.poll(() => held.length, { message: 'simple-peer to be requested' }).toBe(1)
  await expect(page.getByTestId('signaling-status')).not.toHaveAttribute('data-state', 'connected')

  for (const { route, body } of held) await route.fulfill({ body, contentType: 'text/javascript' })
  await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
  await expect(page.getByTestId('new-workplace-name')).toBeVisible()
})
