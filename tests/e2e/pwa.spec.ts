import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type Page } from '@playwright/test'
import { chromiumLaunchOptions } from '../support/browser.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { createWorkplace } from './support/workplace.ts'

/** The app and relay on a server of this test's own, so the test can stop it. */
async function startServer(staticDir = 'dist'): Promise<SignalingServer> {
  return createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  })
}

/** Resolves once a service worker is active for the page (its precache is then complete). */
async function serviceWorkerActive(page: Page): Promise<string | undefined> {
  return page.evaluate(async () => {
    const worker = (await navigator.serviceWorker.ready).active
    if (worker?.state === 'activating') {
      await new Promise((resolve) => worker.addEventListener('statechange', resolve))
    }
    return worker?.state
  })
}

/** Errors a page may log while its relay is unreachable; anything else is a failure. */
const OFFLINE_NOISE = /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/

test('after one online load the app starts with no server and shows the stored workplaces', async ({
  browser,
}) => {
  const server = await startServer()
  const context = await browser.newContext()
  const errors: string[] = []
  try {
    const page = await context.newPage()
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`))
    await page.goto(server.address.url)
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    await createWorkplace(page, 'Harbour office')
    await page.getByRole('button', { name: 'Back to workplaces' }).click()
    await createWorkplace(page, 'Night shift')
    expect(await serviceWorkerActive(page)).toBe('activated')
    // The install precached the shell but not Automerge's wasm; the worker keeps the wasm the
    // page loaded once the documents were open (from the HTTP cache, not downloaded again).
    const cached = () =>
      page.evaluate(async () => {
        const urls: Record<string, string[]> = {}
        for (const name of await caches.keys()) {
          urls[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)
        }
        return urls
      })
    const precache = Object.entries(await cached()).find(([name]) => name.includes('precache'))
    expect(precache, 'a precache').toBeDefined()
    expect(precache![1].some((p) => p.endsWith('.js'))).toBe(true)
    expect(precache![1].filter((p) => p.endsWith('.wasm'))).toEqual([])
    await expect
      .poll(async () => (await cached())['peerplace-on-demand'] ?? [], {
        message: 'the wasm to be kept for offline starts',
      })
      .toEqual([expect.stringMatching(/\.wasm$/)])
    // automerge-repo writes new documents to IndexedDB after a short debounce.
    await page.waitForTimeout(1500)

    await server.close()
    await page.reload()
    await expect(page.getByRole('heading', { level: 1, name: 'Peerplace' })).toBeVisible()
    await expect(page.getByTestId('open-workplace')).toHaveText([/Harbour office/, /Night shift/])
    await expect(page.getByTestId('signaling-status')).not.toHaveAttribute(
      'data-state',
      'connected',
    )
    // Served by the worker, not the (stopped) network: the page is controlled by it.
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated')
    // Opening a workplace needs its documents (Automerge's wasm, a lazily loaded chunk).
    await page.getByTestId('open-workplace').filter({ hasText: 'Night shift' }).click()
    await expect(page.getByTestId('workplace-name')).toHaveText('Night shift')
    expect(errors.filter((e) => !OFFLINE_NOISE.test(e))).toEqual([])
  } finally {
    await context.close()
    await server.close()
  }
})

// Installability is never reported for incognito-like contexts: use a real profile.
test('Chromium reports no installability errors and reads the whole manifest', async ({
  baseURL,
}) => {
  const profile = await mkdtemp(join(tmpdir(), 'peerplace-pwa-'))
  const context = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions(),
    headless: true,
    ...(baseURL ? { baseURL } : {}),
  })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto('/')
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    expect(await serviceWorkerActive(page)).toBe('activated')
    const cdp = await context.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    expect(installabilityErrors).toEqual([])
    const manifest = await cdp.send('Page.getAppManifest')
    expect(manifest.errors).toEqual([])
    const parsed = JSON.parse(manifest.data ?? '{}') as Record<string, unknown>
    expect(parsed).toMatchObject({
      name: 'Peerplace',
      short_name: 'Peerplace',
      display: 'standalone',
      start_url: '/',
      theme_color: '#1f6f5c',
    })
    const icons = parsed.icons as { sizes: string; purpose?: string }[]
    expect(icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ])
  } finally {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  }
})

test('text and files shared from another app open a "Send to…" choice', async ({ browser }) => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto('/')
    expect(await serviceWorkerActive(page)).toBe('activated')
    await page.reload() // now controlled by the worker, which receives the share
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')

    // What the operating system's share sheet does: a multipart POST to the share target.
    await Promise.all([
      page.waitForURL(/\?share=/),
      page.evaluate(() => {
        const form = Object.assign(document.createElement('form'), {
          method: 'POST',
          action: '/share-target',
          enctype: 'multipart/form-data',
        })
        const field = (name: string, value: string) =>
          form.append(Object.assign(document.createElement('input'), { name, value }))
        field('title', 'Minutes')
        field('text', 'Notes from <b>Tuesday</b>')
        field('url', 'https://example.org/minutes')
        const files = new DataTransfer()
        files.items.add(new File(['a'.repeat(2048)], 'minutes.txt', { type: 'text/plain' }))
        files.items.add(new File([new Uint8Array(10)], 'photo.jpg', { type: 'image/jpeg' }))
        const input = Object.assign(document.createElement('input'), {
          type: 'file',
          name: 'files',
        })
        input.multiple = true
        input.files = files.files
        form.append(input)
        document.body.append(form)
        form.submit()
      }),
    ])
    const dialog = page.getByRole('dialog', { name: 'Send to…' })
    await expect(dialog).toBeVisible()
    await expect(dialog.getByTestId('shared-text')).toHaveText('Notes from <b>Tuesday</b>')
    await expect(dialog.getByTestId('shared-url')).toHaveText('https://example.org/minutes')
    await expect(dialog.getByTestId('shared-file')).toHaveText([
      'minutes.txt (2.0 KB)',
      'photo.jpg (10 B)',
    ])
    await expect(page).not.toHaveURL(/share=/)
    const id = await page.evaluate(async () => {
      const cache = await caches.open('peerplace-share-inbox')
      return (await cache.keys()).map((r) => new URL(r.url).pathname)
    })
    expect(id).toHaveLength(3)

    // Closing it forgets what was shared.
    await dialog.getByRole('button', { name: 'Close' }).click()
    await expect(dialog).toBeHidden()
    await expect
      .poll(() =>
        page.evaluate(
          async () => (await (await caches.open('peerplace-share-inbox')).keys()).length,
        ),
      )
      .toBe(0)
  } finally {
    await context.close()
  }
})

test('a new version waits for "Reload to update", then takes over', async ({ browser }) => {
  // A copy of the build, so the test can publish a "new version" of the service worker.
  const dir = await mkdtemp(join(tmpdir(), 'peerplace-update-'))
  await cp('dist', dir, { recursive: true })
  const server = await startServer(dir)
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(server.address.url)
    expect(await serviceWorkerActive(page)).toBe('activated')
    await page.reload()
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    await expect(page.getByTestId('update-prompt')).toHaveCount(0)

    await appendFile(join(dir, 'sw.js'), '\n// a new version\n')
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())!.update()
    })
    const prompt = page.getByTestId('update-prompt')
    await expect(prompt).toContainText('A new version of Peerplace is ready.')
    // Nothing changes until the person says so: the new worker waits.
    expect(
      await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())!.waiting),
    ).toBe(true)

    await page.evaluate(() => Object.assign(window, { beforeUpdate: true }))
    await prompt.getByRole('button', { name: 'Reload to update' }).click()
    await page.waitForFunction(() => !('beforeUpdate' in window))
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    const after = await page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.getRegistration())!
      return { waiting: !!registration.waiting, controlled: !!navigator.serviceWorker.controller }
    })
    expect(after).toEqual({ waiting: false, controlled: true })
    await expect(page.getByTestId('update-prompt')).toHaveCount(0)
  } finally {
    await context.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('the service worker script is sent compressed and revalidated on every load', async ({
  request,
}) => {
  for (const [accept, encoding] of [
    ['br, gzip', 'br'],
    ['gzip', 'gzip'],
  ] as const) {
    const response = await request.get('/sw.js', { headers: { 'Accept-Encoding': accept } })
    expect(response.status()).toBe(200)
    expect(response.headers()['content-encoding'], accept).toBe(encoding)
    expect(response.headers()['content-type']).toMatch(/^text\/javascript/)
    expect(response.headers()['cache-control']).toBe('no-cache')
    expect(await response.text()).toContain('precache')
  }
})
