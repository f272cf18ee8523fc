import { expect, test as base } from '@playwright/test'
import { openDevice, type Device, type DeviceSettings } from './device.ts'
import { createInvite, createWorkplace, expectMembers } from './workplace.ts'

/** Ann's device first, then one per name asked for, in that order. */
export type Members<N extends readonly string[]> = [Device, ...{ [K in keyof N]: Device }]

export interface WorkplaceOptions {
  /** The workplace's name; default "Acme". */
  workplace?: string
  /** Connection settings of every device. */
  settings?: DeviceSettings
}

/**
 * Opens a workplace with these members: Ann creates it and makes an invite, each other device
 * opens the invite, and it resolves once every member shows the workplace and Ann lists them all.
 */
export type WorkplaceWith = <const N extends readonly string[]>(
  others: N,
  options?: WorkplaceOptions,
) => Promise<Members<N>>

/**
 * Playwright's `test` with `workplaceWith`. The devices it opens are checked for unexpected
 * errors and closed after the test.
 */
export const test = base.extend<{ workplaceWith: WorkplaceWith }>({
  workplaceWith: async ({ browser }, use) => {
    const opened: Device[] = []
    const open = async (name: string, url?: string, settings?: DeviceSettings) => {
      const device = await openDevice(browser, name, url, settings)
      opened.push(device)
      return device
    }
    await use(async (others, options = {}) => {
      const name = options.workplace ?? 'Acme'
      const ann = await open('Ann', '/', options.settings)
      await createWorkplace(ann.page, name)
      const joined: Device[] = []
      if (others.length > 0) {
        const invite = await createInvite(ann.page, others.length > 1 ? '10 people' : '1 person')
        for (const other of others) joined.push(await open(other, invite, options.settings))
      }
      for (const d of joined) await expect(d.page.getByTestId('workplace-name')).toHaveText(name)
      await expectMembers(ann.page, ['Ann', ...others])
      // The names' tuple type is not known here; the list has one device per name.
      return [ann, ...joined] as unknown as Members<typeof others>
    })
    for (const device of opened) {
      expect.soft(device.errors, `${device.name} had errors`).toEqual([])
      await device.context.close()
    }
  },
})

export { expect } from '@playwright/test'
