import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../src/files/hashing.ts'
import { until } from '../support/until.ts'
import { connect, ListFinder, randomBytes, readAll, sha256, testDevice } from './files-harness.ts'
import { CHUNK, FilesWorld, type FilesDevice } from './files-world.ts'

let world: FilesWorld
afterEach(async () => {
  await world?.close()
})

const hashOf = async (bytes: Uint8Array) => toHex(await sha256(bytes))
const blob = (bytes: Uint8Array, type = 'application/octet-stream') =>
  new Blob([bytes as BlobPart], { type })

function versionsOf(dev: FilesDevice, name: string) {
  return dev.wf.view().files.find((f) => f.name === name)?.versions ?? []
}

describe('a workplace’s files', () => {
  it('lists an added file for every member, who download it and become holders', async () => {
    world = new FilesWorld()
    const [a, b] = await world.create(['Ann', 'Bob'], 1)
    const bytes = randomBytes(12 * CHUNK + 5, 21)
    const entry = await a!.wf.add(blob(bytes, 'text/plain'), 'notes.txt')
    await until(() => versionsOf(b!, 'notes.txt').length === 1, 'Bob to see the file')
    // Ann's display name shows once her signed profile has arrived and verified.
    await until(
      () => versionsOf(b!, 'notes.txt')[0]?.addedByName === 'Ann',
      'Bob to see Ann’s verified name',
    )
    // Ann's holding counts once its signature has been checked, which may come a turn later.
    await until(
      () => (versionsOf(b!, 'notes.txt')[0]?.holders.length ?? 0) > 0,
      'Bob to see Ann’s verified holding',
    )
    const seen = versionsOf(b!, 'notes.txt')[0]!
    expect(seen.addedByName).toBe('Ann')
    expect(seen.entry).toMatchObject({
      size: bytes.length,
      type: 'text/plain',
      fileId: entry.fileId,
    })
    expect(seen.holders.map((h) => [h.name, h.complete])).toEqual([['Ann', true]])
    expect(seen.local).toBe('none')

    await b!.wf.ensureComplete(entry.fileId)
    expect(await hashOf(await readAll(b!.files, entry.fileId))).toBe(await hashOf(bytes))
    await until(
      () => versionsOf(a!, 'notes.txt')[0]?.holders.filter((h) => h.complete).length === 2,
      'Ann to see Bob as a holder',
    )
    expect(versionsOf(b!, 'notes.txt')[0]!.local).toBe('complete')
  })

  it('keeps earlier versions listed and downloadable beside a new one', async () => {
    world = new FilesWorld()
    const [a, b] = await world.create(['Ann', 'Bob'], 1)
    const first = randomBytes(3 * CHUNK, 1)
    const second = randomBytes(5 * CHUNK + 7, 2)
    const v1 = await a!.wf.add(blob(first), 'plan.pdf')
    const v2 = await a!.wf.add(blob(second), 'plan.pdf')
    const again = await a!.wf.add(blob(second), 'plan.pdf')
    expect(again.id).toBe(v2.id)
    await until(() => versionsOf(b!, 'plan.pdf').length === 2, 'Bob to see both versions')
    expect(versionsOf(b!, 'plan.pdf').map((v) => [v.version, v.entry.fileId])).toEqual([
      [2, v2.fileId],
      [1, v1.fileId],
    ])
    await b!.wf.ensureComplete(v1.fileId)
    await b!.wf.ensureComplete(v2.fileId)
    expect(await hashOf(await readAll(b!.files, v1.fileId))).toBe(await hashOf(first))
    expect(await hashOf(await readAll(b!.files, v2.fileId))).toBe(await hashOf(second))
  })

  it('with R = 2 the Syncer has a second member fetch a new file, which serves it later', async () => {
    world = new FilesWorld()
    const devices = await world.create(['Ann', 'Bob', 'Cy'], 2)
    const [a] = devices
    const bytes = randomBytes(20 * CHUNK, 33)
    const entry = await a!.wf.add(blob(bytes), 'big.bin')
    const replicaOf = () =>
      devices.find((d) => d !== a && d.wf.view().files[0]?.versions[0]?.local === 'complete')
    const second = await until(replicaOf, 'a second member to hold the file', 10_000)
    const third = devices.find((d) => d !== a && d !== second)!
    expect(versionsOf(third, 'big.bin')[0]?.local).toBe('none')
    await until(
      () => versionsOf(third, 'big.bin')[0]?.replicas === 2,
      'the third member to see two holders',
    )
    world.away(a!)
    await third.wf.ensureComplete(entry.fileId)
    expect(await hashOf(await readAll(third.files, entry.fileId))).toBe(await hashOf(bytes))
    const sources = third.files.downloadOf(entry.fileId)!.progress().sources
    expect(sources.find((s) => s.peer === second!.peer)?.bytes).toBe(bytes.length)
  })

  it('does not plan a member beyond the space it offers', async () => {
    world = new FilesWorld()
    const [a, b] = await world.create(['Ann', 'Bob'], 2, [10 * CHUNK, 4 * CHUNK])
    await a!.wf.add(blob(randomBytes(8 * CHUNK, 4)), 'too-big.bin')
    const small = await a!.wf.add(blob(randomBytes(2 * CHUNK, 5)), 'small.bin')
    await until(
      () => versionsOf(b!, 'small.bin')[0]?.local === 'complete',
      'Bob to fetch the small one',
    )
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(versionsOf(b!, 'too-big.bin')[0]?.local).toBe('none')
    expect(versionsOf(b!, 'small.bin')[0]?.entry.fileId).toBe(small.fileId)
  })

  it('refuses its files to a device that is not a member', async () => {
    world = new FilesWorld()
    const [a] = await world.create(['Ann'], 1)
    const entry = await a!.wf.add(blob(randomBytes(2 * CHUNK, 6)), 'secret.txt')
    const outsider = await testDevice({ hub: world.hub })
    await connect(a!, outsider)
    const download = outsider.files.download(entry.fileId, a!.wp.id, new ListFinder([a!.peer]))
    await until(() => download.progress().sources[0]?.state === 'refused', 'the refusal')
    expect(download.progress().sources[0]?.detail).toMatch(/only members/i)
    expect(download.progress().bytesDone).toBe(0)
    outsider.files.close()
  })
})
