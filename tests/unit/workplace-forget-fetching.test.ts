import { generateAutomergeUrl } from '@automerge/automerge-repo'
import { afterEach, expect, it } from 'vitest'
import { annAndBobInAcme } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const KINDS = new Map([['notes', () => ({ notes: [] })]])

it('a workplace forgotten while a document is still on its way stops looking for it', async () => {
  const { bob, acme, bobAcme } = await annAndBobInAcme(cleanup, {
    ann: { kinds: KINDS },
    bob: { kinds: KINDS },
  })
  // The notes are listed, but nobody holds them: Bob's opening waits for them. (Creating Acme
  // listed notes Ann holds; Bob must open the new ones, not those.)
  const nobodys = generateAutomergeUrl()
  acme.handle.change((d) => {
    d.docs.notes = nobodys
  })
  await until(() => bobAcme.doc?.docs?.notes === nobodys, 'Bob to see the notes listed', 10_000)
  void bobAcme.openDoc('notes')
  await until(() => bobAcme.fetching().length === 1, 'Bob to be fetching the notes', 10_000)

  await bob.stack.workplaces.forget(acme.id)
  // Nothing keeps looking (a timer twice a second) for a document of a workplace left behind.
  expect(bobAcme.fetching()).toEqual([])
})
