import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type Browser, type Locator } from '@playwright/test'
import { chromiumLaunchOptions } from '../support/browser.ts'
import { nameDevice, openDevice, peerIdOf, type Device } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

interface Pixels {
  width: number
  height: number
  /** One luma byte per pixel. */
  luma: Uint8Array
}

/** The pixels of a QR code as the page drew them on its canvas (an image of the code). */
async function canvasPixels(canvas: Locator): Promise<Pixels> {
  const { width, height, luma } = await canvas.evaluate((element) => {
    const c = element as HTMLCanvasElement
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    const out: number[] = []
    for (let i = 0; i < data.length; i += 4) {
      out.push(Math.round(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!))
    }
    return { width: c.width, height: c.height, luma: out }
  })
  return { width, height, luma: Uint8Array.from(luma) }
}

/**
 * A one-frame Y4M video (the format Chromium's fake camera plays, looping) of the image
 * enlarged without smoothing in the middle of a white 640x480 frame.
 */
function y4mOf(image: Pixels, frameWidth = 640, frameHeight = 480): Buffer {
  const scale = Math.max(1, Math.floor((Math.min(frameWidth, frameHeight) - 40) / image.width))
  const left = Math.floor((frameWidth - image.width * scale) / 2)
  const top = Math.floor((frameHeight - image.height * scale) / 2)
  const y = new Uint8Array(frameWidth * frameHeight).fill(255)
  for (let row = 0; row < image.height * scale; row++) {
    for (let col = 0; col < image.width * scale; col++) {
      const source = Math.floor(row / scale) * image.width + Math.floor(col / scale)
      y[(top + row) * frameWidth + left + col] = image.luma[source]!
    }
  }
  const chroma = new Uint8Array((frameWidth / 2) * (frameHeight / 2)).fill(128)
  const header = `YUV4MPEG2 W${frameWidth} H${frameHeight} F10:1 Ip A1:1 C420jpeg\n`
  return Buffer.concat([Buffer.from(header), Buffer.from('FRAME\n'), y, chroma, chroma])
}

/** A browser whose camera shows `video` (a Y4M file). */
async function browserWithCamera(video: string): Promise<Browser> {
  return chromium.launch(
    chromiumLaunchOptions([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]),
  )
}

/** A device whose camera sees `image`: its own browser, since the camera is set at launch. */
async function deviceWithCameraOn(image: Pixels, name: string, baseURL: string | undefined) {
  const dir = await mkdtemp(join(tmpdir(), 'peerplace-scan-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const video = join(dir, 'code.y4m')
  await writeFile(video, y4mOf(image))
  const cameraBrowser = await browserWithCamera(video)
  cleanups.push(() => cameraBrowser.close())
  const context = await cameraBrowser.newContext(baseURL ? { baseURL } : {})
  const device = { page: await context.newPage(), errors: [] as string[] }
  device.page.on('pageerror', (error) => device.errors.push(`pageerror: ${error.message}`))
  device.page.on('console', (m) => m.type() === 'error' && device.errors.push(m.text()))
  await device.page.goto('/')
  await nameDevice(device.page, name)
  return device
}

const devices: Device[] = []
const cleanups: (() => Promise<void>)[] = []
test.afterEach(async () => {
  for (const device of devices.splice(0)) {
    expect(device.errors, `${device.name} had errors`).toEqual([])
    await device.context.close()
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

test('an invite QR code shown by one device is scanned by another through its camera, which joins', async ({
  browser,
  baseURL,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Dockside')
  const link = await createInvite(ann.page)
  const qr = ann.page.getByTestId('invite-qr')
  await expect(qr).toBeVisible()
  const image = await canvasPixels(qr)
  expect(image.width).toBeGreaterThan(0)
  console.info(`invite link: ${link.length} characters`)

  const bob = await deviceWithCameraOn(image, 'Bob', baseURL)
  await bob.page.getByRole('button', { name: 'Scan a code' }).click()
  const dialog = bob.page.getByRole('dialog', { name: 'Scan a code' })
  await expect(dialog).toBeVisible()
  // The code is read from the camera, the dialog closes and the invite is used.
  await expect(dialog).toBeHidden({ timeout: 20_000 })
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await expect(bob.page.getByTestId('workplace-name')).toHaveText('Dockside')
  await expectMembers(bob.page, ['Ann', 'Bob'])
  await expectMembers(ann.page, ['Ann', 'Bob'])
  expect(bob.errors).toEqual([])
})

test('a pairing code scanned with the camera is answered at once, and the devices pair', async ({
  browser,
  baseURL,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await ann.page.getByRole('button', { name: 'Pair a device' }).click()
  await ann.page.getByRole('button', { name: 'Show a pairing code' }).click()
  const qr = ann.page.getByTestId('pairing-offer-code-qr')
  await expect(qr).toBeVisible()
  const offer = await ann.page.getByTestId('pairing-offer-code').inputValue()
  console.info(`pairing offer code: ${offer.length} characters`)

  const bob = await deviceWithCameraOn(await canvasPixels(qr), 'Bob', baseURL)
  await bob.page.getByRole('button', { name: 'Scan a code' }).click()
  // The scanner hands the offer to the pairing dialog, which answers it.
  const pairing = bob.page.getByRole('dialog', { name: 'Pair a device' })
  await expect(pairing).toBeVisible({ timeout: 20_000 })
  const answer = await pairing.getByTestId('pairing-answer-code').inputValue()
  expect(answer).toMatch(/^pp1\./)

  await ann.page.getByLabel('Answer code from the other device').fill(answer)
  await ann.page.getByRole('button', { name: 'Connect', exact: true }).click()
  const [annId, bobId] = [await peerIdOf(ann.page), await peerIdOf(bob.page)]
  await expect(ann.page.getByTestId('pairing-peer')).toHaveAttribute('data-peer', bobId)
  await expect(pairing.getByTestId('pairing-peer')).toHaveAttribute('data-peer', annId)
  expect(bob.errors).toEqual([])
})
