import { afterEach, describe, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import { entryClaim, holdingClaim } from '../../src/files/file-claims.ts'
import { readPlan, storedEntry, type FileEntry } from '../../src/files/files-doc.ts'
import { until } from '../support/until.ts'
import { randomBytes } from './files-harness.ts'
import { CHUNK, FilesWorld, type FilesDevice } from './files-world.ts'
import { proofBy } from '../support/forged-proof.ts'

let world: FilesWorld
afterEach(async () => {
  await world?.close()
})

const blob = (bytes: Uint8Array) => new Blob([bytes as BlobPart])

function versionOf(dev: FilesDevice, name: string) {
  return dev.wf.view().files.find((f) => f.name === name)?.versions[0]
}

function entryOf(dev: FilesDevice, id: string): FileEntry | undefined {
  return dev.wf.entries().find((e) => e.id === id)
}

async function holdsInFull(dev: FilesDevice, fileId: string): Promise<boolean> {
  const record = (await dev.files.store.records()).find((r) => r.fileId === fileId)
  return !!record && record.chunks >= record.count
}

describe('a member who forges others’ file records', () => {
  it('cannot claim another member added a file, nor hold files for another', async () => {
    world = new FilesWorld()
    const [ann, bob, cy, mel] = await world.create(['Ann', 'Bob', 'Cy', 'Mel'], 2)
    // The honest path: Ann's file reads as added by Ann, verified, and held by her.
    const honest = await ann!.wf.add(blob(randomBytes(2 * CHUNK, 3)), 'honest.txt')
    for (const dev of [bob!, mel!]) {
      await until(() => entryOf(dev, honest.id)?.verified, `${dev.name} to verify Ann’s file`)
    }

    // Cy is away, so cannot put right what is said of her. Mel has the bytes of a file and
    // writes its records straight into the document, as a modified device would: Cy and Ann
    // said to hold it in full, and "added by Ann".
    world.away(cy!)
    const { fileId, manifest } = await mel!.files.add(blob(randomBytes(3 * CHUNK, 7)))
    const at = Date.now()
    const full = { chunks: manifest.count, of: manifest.count, at }
    const unsigned = { name: 'unsigned.bin', type: '', size: 3 * CHUNK, fileId }
    const melSigned = { ...unsigned, name: 'mel-signed.bin' }
    const replayed = { ...unsigned, name: 'replayed.bin' }
    const ids = {
      unsigned: 'aaaaaaaaaaaaaaaa',
      melSigned: 'bbbbbbbbbbbbbbbb',
      replayed: 'cccccccccccccccc',
    }
    const asAnn = (content: typeof unsigned) => ({ ...content, addedBy: ann!.peer, addedAt: at })
    const melProof = await proofBy(mel!, entryClaim(ids.melSigned, ann!.peer, melSigned, at))
    const cyHolds = await proofBy(mel!, holdingClaim(cy!.peer, fileId, full, at))
    const melHolds = await proofBy(mel!, holdingClaim(mel!.peer, fileId, full, at))
    mel!.filesDoc.change((d) => {
      d.entries[ids.unsigned] = storedEntry(asAnn(unsigned))
      d.entries[ids.melSigned] = storedEntry(asAnn(melSigned), melProof)
      // Ann's genuine proof, copied onto another file record.
      const annProof = d.entries[honest.id]!.s!.val
      d.entries[ids.replayed] = storedEntry(asAnn(replayed), annProof)
      d.holdings[mel!.peer] ??= {}
      d.holdings[mel!.peer]![fileId] = { ...full, s: new ImmutableString(melHolds) }
      d.holdings[ann!.peer]![fileId] = { ...full }
      d.holdings[cy!.peer] ??= {}
      d.holdings[cy!.peer]![fileId] = { ...full, s: new ImmutableString(cyHolds) }
    })

    for (const dev of [ann!, bob!]) {
      await until(() => entryOf(dev, ids.replayed), `${dev.name} to get Mel’s writes`)
      await dev.wp.authorship.settled()
      for (const id of Object.values(ids)) expect(entryOf(dev, id)?.verified).toBe(false)
      expect(entryOf(dev, honest.id)?.verified).toBe(true)
      // Only a holder's own word about itself counts: Mel's, and that of whoever the Syncer
      // may already have asked to fetch the file and holds it by now, never Cy's.
      const holders = versionOf(dev, 'unsigned.bin')!.holders.map((h) => h.peer)
      expect(holders).toContain(mel!.peer)
      for (const peer of holders.filter((p) => p !== mel!.peer)) {
        expect(peer).not.toBe(cy!.peer)
        expect(
          await holdsInFull(
            world.devices.find((d) => d.peer === peer)!,
            fileId,
          ),
        ).toBe(true)
      }
    }
    // The Syncer does not take Cy's forged holding for a replica: it asks Ann or Bob to fetch
    // the file, who then holds it, signed, for real. (The plan's entry is released once the
    // fetch is done, so a quick fetcher is found by what it holds.)
    const asked = async () => {
      for (const dev of [ann!, bob!]) {
        if (readPlan(dev.filesDoc.doc()).get(dev.peer)?.has(fileId)) return dev
        if (await holdsInFull(dev, fileId)) return dev
      }
      return undefined
    }
    const fetcher = await until(asked, 'the Syncer to ask Ann or Bob for a replica', 10_000)
    await until(
      () => versionOf(mel!, 'unsigned.bin')?.replicas === 2,
      `Mel to see ${fetcher!.name} hold the file`,
      10_000,
    )
    const holders = versionOf(mel!, 'unsigned.bin')!.holders.map((h) => h.peer)
    expect(holders.sort()).toEqual([mel!.peer, fetcher!.peer].sort())
  })

  it('ignores a file record a removed member signs after its removal, relayed by a member', async () => {
    world = new FilesWorld()
    const [ann, bob, mel] = await world.create(['Ann', 'Bob', 'Mel'], 1)
    const before = await mel!.wf.add(blob(randomBytes(CHUNK, 5)), 'before.txt')
    await until(() => entryOf(bob!, before.id)?.verified, 'Bob to verify Mel’s file')

    await ann!.wp.remove(mel!.peer)
    mel!.wp.handle.merge(ann!.wp.handle)
    await until(() => !mel!.wp.isMember(mel!.peer), 'Mel’s device to see its removal')
    await until(() => !bob!.wp.isMember(mel!.peer), 'Bob’s device to see the removal')
    const id = 'dddddddddddddddd'
    const at = Date.now()
    const late = { name: 'late.txt', type: '', size: 5, fileId: before.fileId }
    const { peer: _mel, ...claim } = entryClaim(id, mel!.peer, late, at)
    const proof = await mel!.wp.authorship.sign(claim)
    // Bob's device carries it in, as a member that had not seen the removal yet would.
    bob!.filesDoc.change((d) => {
      d.entries[id] = storedEntry({ ...late, addedBy: mel!.peer, addedAt: at }, proof)
    })
    await until(() => entryOf(ann!, id), 'Ann’s device to get the late record')
    for (const dev of [ann!, bob!]) {
      await dev.wp.authorship.settled()
      expect(entryOf(dev, id)?.verified).toBe(false)
      expect(entryOf(dev, before.id)?.verified).toBe(true)
    }
  })
})
