import { afterEach, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import type { FileEntry } from '../../src/files/files-doc.ts'
import { until } from '../support/until.ts'
import { randomBytes } from './files-harness.ts'
import { CHUNK, FilesWorld, type FilesDevice } from './files-world.ts'

let world: FilesWorld
afterEach(async () => {
  await world?.close()
})

const blob = (bytes: Uint8Array) => new Blob([bytes as BlobPart])

function entryOf(dev: FilesDevice, id: string): FileEntry | undefined {
  return dev.wf.entries().find((e) => e.id === id)
}

it('a member who removes or overwrites another’s file version record cannot hide or change it', async () => {
  world = new FilesWorld()
  const [ann, bob, mel] = await world.create(['Ann', 'Bob', 'Mel'], 1)
  const agenda = await ann!.wf.add(blob(randomBytes(CHUNK, 3)), 'agenda.txt')
  const budget = await ann!.wf.add(blob(randomBytes(CHUNK, 4)), 'budget.txt')
  for (const dev of [bob!, mel!]) {
    await until(
      () => entryOf(dev, agenda.id)?.verified && entryOf(dev, budget.id)?.verified,
      `${dev.name} to verify Ann’s files`,
    )
  }

  // Mel writes straight into the document, as a modified device would: one of Ann's versions
  // removed, the other renamed.
  mel!.filesDoc.change((d) => {
    delete d.entries[agenda.id]
    d.entries[budget.id]!.name = new ImmutableString('budget-old.txt')
  })
  const marker = await mel!.wf.add(blob(randomBytes(CHUNK, 5)), 'mel.txt')

  for (const dev of [ann!, bob!]) {
    await until(() => entryOf(dev, marker.id), `${dev.name} to get Mel’s change`)
    await dev.wp.authorship.settled()
    expect(entryOf(dev, agenda.id)).toMatchObject({
      name: 'agenda.txt',
      addedBy: ann!.peer,
      verified: true,
    })
    expect(entryOf(dev, budget.id)).toMatchObject({ name: 'budget.txt', verified: true })
    const names = dev.wf.view().files.map((f) => f.name)
    expect(names).toContain('agenda.txt')
    expect(names).not.toContain('budget-old.txt')
  }
})
