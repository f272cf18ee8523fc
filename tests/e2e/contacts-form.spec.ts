import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { openDevice, trackDevices } from './support/device.ts'
import { createWorkplace } from './support/workplace.ts'

const devices = trackDevices()

/** A 512 px PNG: the form must scale it down to a small JPEG photo. */
const PICTURE = join(import.meta.dirname, '..', '..', 'public', 'icons', 'icon-512.png')

test('the contact form edits web pages, IM handles and the photo', async ({ browser }) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  const { page } = ann
  await createWorkplace(page, 'Acme')
  await page.getByTestId('tab-contacts').click()
  await page.getByTestId('contacts-new').click()
  const form = page.getByTestId('contact-form')
  await form.getByTestId('contact-input-given').fill('Zoë')
  await form.getByTestId('url-add').click()
  await form.getByTestId('url-label').last().fill('blog')
  await form.getByTestId('url-value').last().fill('https://zoe.example/blog')
  await form.getByTestId('url-add').click()
  await form.getByTestId('url-value').last().fill('https://zoe.example')
  await form.getByTestId('im-add').click()
  await form.getByTestId('im-label').last().fill('Signal')
  await form.getByTestId('im-value').last().fill('+44 7700 900123')
  await form.getByTestId('photo-input').setInputFiles(PICTURE)
  await expect(form.getByTestId('contact-form-photo')).toHaveAttribute('src', /^data:image\/jpeg/)
  await page.getByTestId('contact-save').click()

  const detail = page.getByTestId('contact-detail')
  await expect(detail.getByTestId('contact-name')).toHaveText('Zoë')
  await expect(detail.getByTestId('contact-url')).toHaveCount(2)
  await expect(detail.getByTestId('contact-url').first()).toHaveAttribute('data-label', 'blog')
  await expect(detail.getByTestId('contact-url').first()).toContainText('https://zoe.example/blog')
  await expect(detail.getByTestId('contact-url').last()).toContainText('https://zoe.example')
  await expect(detail.getByTestId('contact-im')).toHaveText('+44 7700 900123')
  await expect(detail.getByTestId('contact-im')).toHaveAttribute('data-label', 'Signal')
  const photo = detail.getByTestId('contact-photo')
  await expect(photo).toHaveAttribute('src', /^data:image\/jpeg;base64,/)
  // Small enough to keep (the model's limit is 48,000 characters), and a real picture.
  const src = (await photo.getAttribute('src')) ?? ''
  expect(src.length).toBeLessThanOrEqual(48_000)
  const size = await photo.evaluate(async (img: HTMLImageElement) => {
    await img.decode()
    return [img.naturalWidth, img.naturalHeight]
  })
  expect(Math.max(...size)).toBeLessThanOrEqual(192)
  expect(Math.min(...size)).toBeGreaterThan(0)

  // Editing again: the form opens with what was saved; one page, the IM and the photo removed.
  await page.getByTestId('contact-edit').click()
  await expect(form.getByTestId('url-value')).toHaveCount(2)
  await expect(form.getByTestId('url-value').first()).toHaveValue('https://zoe.example/blog')
  await expect(form.getByTestId('im-value')).toHaveValue('+44 7700 900123')
  await expect(form.getByTestId('contact-form-photo')).toBeVisible()
  await form.getByTestId('url-remove').first().click()
  await form.getByTestId('im-remove').click()
  await form.getByTestId('photo-remove').click()
  await page.getByTestId('contact-save').click()
  await expect(detail.getByTestId('contact-url')).toHaveCount(1)
  await expect(detail.getByTestId('contact-url')).toContainText('https://zoe.example')
  await expect(detail.getByTestId('contact-im')).toHaveCount(0)
  await expect(detail.getByTestId('contact-photo')).toHaveCount(0)
})

test('the contact form says so when the chosen photo is not a picture', async ({ browser }) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  const { page } = ann
  await createWorkplace(page, 'Acme')
  await page.getByTestId('tab-contacts').click()
  await page.getByTestId('contacts-new').click()
  const form = page.getByTestId('contact-form')
  await form.getByTestId('photo-input').setInputFiles({
    name: 'notes.png',
    mimeType: 'image/png',
    buffer: Buffer.from('not a picture'),
  })
  await expect(form.getByTestId('photo-error')).toHaveText(
    'That file is not a picture this browser can read.',
  )
  await expect(form.getByTestId('contact-form-photo')).toHaveCount(0)
})
