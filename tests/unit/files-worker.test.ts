import { afterEach, describe, expect, it } from 'vitest'
import { FILES_DOC_KIND } from '../../src/files/files-doc.ts'
import { toHex } from '../../src/files/hashing.ts'
import { until } from '../support/until.ts'
import { randomBytes, readAll, sha256 } from './files-harness.ts'
import { CHUNK, FilesWorld, type FilesDevice } from './files-world.ts'

let world: FilesWorld
afterEach(async () => {
  await world?.close()
})

const hashOf = async (bytes: Uint8Array) => toHex(await sha256(bytes))
const versionsOf = (dev: FilesDevice, name: string) =>
  dev.wf.view().files.find((f) => f.name === name)?.versions ?? []

describe('the file index in the documents worker', { timeout: 60_000 }, () => {
  it('writes signed versions, holdings and the plan there; the page repo never opens it', async () => {
    world = new FilesWorld()
    // Ann (the owner, so the Syncer) holds her file index in the worker; Bob on his page.
    const [ann, bob] = await world.create(['Ann', 'Bob'], 2, [], ['Ann'])
    // Ann's sync status follows the documents her worker holds.
    const held = ann!.stack.chats!.docsOf(ann!.wp.id)
    const bytes = randomBytes(6 * CHUNK + 3, 7)
    const entry = await ann!.wf.add(new Blob([bytes as BlobPart]), 'notes.txt')
    // Ann's page lists it at once: the worker sent its state before the reply.
    expect(versionsOf(ann!, 'notes.txt').map((v) => v.entry.fileId)).toEqual([entry.fileId])

    // Bob judges Ann's records, which the worker signed: her version and her holding count.
    await until(
      () => versionsOf(bob!, 'notes.txt')[0]?.entry.verified === true,
      'Bob to see Ann’s verified version',
    )
    await until(
      () => versionsOf(bob!, 'notes.txt')[0]?.holders.some((h) => h.name === 'Ann' && h.complete),
      'Bob to see Ann’s signed holding',
    )
    // With R = 2 the Syncer's plan (written in Ann's worker) has Bob fetch the file.
    await until(
      async () => (await bob!.files.isComplete(entry.fileId)) || undefined,
      'Bob to fetch the file the plan asked of him',
      20_000,
    )
    expect(await hashOf(await readAll(bob!.files, entry.fileId))).toBe(await hashOf(bytes))
    // Bob's holding (read in Ann's worker, judged there) reaches Ann's page.
    await until(
      () => versionsOf(ann!, 'notes.txt')[0]?.holders.filter((h) => h.complete).length === 2,
      'Ann to see Bob as a holder',
    )

    // The worker writes versions as this device's only.
    const forged = { ...entry, id: 'forgedversionabc', addedBy: bob!.peer }
    await expect(ann!.wf.index.addVersion(forged, 1)).rejects.toThrow(/this device only/)

    // The document is the worker's: Ann's page repo has no handle for it and cannot open it.
    const url = ann!.wp.doc!.docs![FILES_DOC_KIND]!
    expect(Object.keys(ann!.stack.repo.handles)).not.toContain(url.replace('automerge:', ''))
    await expect(ann!.wp.openDoc(FILES_DOC_KIND)).rejects.toThrow(/unknown workplace document/)
    await until(
      () => held.heads()[url.replace('automerge:', '')],
      'Ann’s worker to report the files document’s heads',
    )
  })

  it('opens for a member once the owner lists the index, judging the owner’s records', async () => {
    world = new FilesWorld()
    const [ann, bob] = await world.create(['Ann', 'Bob'], 1, [], ['Bob'])
    const entry = await ann!.wf.add(new Blob([randomBytes(2 * CHUNK, 3) as BlobPart]), 'a.bin')
    await until(
      () => versionsOf(bob!, 'a.bin')[0]?.entry.verified === true,
      'Bob’s worker to read Ann’s verified version',
    )
    await bob!.wf.ensureComplete(entry.fileId)
    // Bob's holding, signed in his worker, counts at Ann's (she judges it on her page).
    await until(
      () => versionsOf(ann!, 'a.bin')[0]?.holders.filter((h) => h.complete).length === 2,
      'Ann to see Bob’s signed holding',
    )
  })
})
