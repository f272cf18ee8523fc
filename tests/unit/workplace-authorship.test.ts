import { afterEach, describe, expect, it } from 'vitest'
import { aboutClaim, profileClaim } from '../../src/crdt/workplace/signed-about.ts'
import { until } from '../support/until.ts'
import { ChatWorld, type ChatDevice } from './chat-devices.ts'
import { proofBy } from '../support/forged-proof.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

describe('a member who forges the workplace’s name, description or display names', () => {
  it('is not believed; owners and members still set their own', async () => {
    world = new ChatWorld()
    const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
    const nameOf = (dev: ChatDevice, who: ChatDevice) =>
      dev.wp.members().find((m) => m.peer === who.peer)?.name
    await until(() => nameOf(ann!, bob!) === 'Bob', 'Ann to see Bob’s signed display name')

    expect(() => mel!.wp.setName('Mel’s place')).toThrow(/Only an owner/)
    expect(() => mel!.wp.setDescription('Mel runs this')).toThrow(/Only an owner/)
    const t = Date.now() + 60_000
    const melAsOwner = await proofBy(mel!, aboutClaim('name', ann!.peer, 'Mel’s place', t))
    const melOwn = await proofBy(mel!, aboutClaim('description', mel!.peer, 'Mel runs this', t))
    const bobName = await proofBy(mel!, profileClaim(bob!.peer, 'Bob (fired)', t))
    mel!.wp.handle.change((d) => {
      d.name = 'Mel’s place'
      d.description = 'Mel runs this'
      d.about ??= {}
      d.about.name ??= {}
      d.about.name[ann!.peer] = { v: 'Mel’s place', t, s: melAsOwner }
      d.about.description ??= {}
      d.about.description[mel!.peer] = { v: 'Mel runs this', t, s: melOwn }
      d.profiles[bob!.peer] = { name: 'Bob (fired)', updatedAt: t, s: bobName }
      d.profiles[ann!.peer] = { name: 'Ann (unsigned)', updatedAt: t }
    })
    for (const dev of [ann!, bob!]) {
      await until(() => dev.wp.doc?.profiles[ann!.peer]?.name === 'Ann (unsigned)', dev.name)
      await dev.wp.authorship.settled()
      expect(dev.wp.name).toBe('Acme')
      expect(dev.wp.description).toBe('')
      // Their own signed names still show: overwritten in the document, not in its history.
      await until(() => nameOf(dev, bob!) === 'Bob', `${dev.name} to show Bob’s own name`)
      await until(() => nameOf(dev, ann!) === 'Ann', `${dev.name} to show Ann’s own name`)
    }
    // Removing a name does not blank it either.
    mel!.wp.handle.change((d) => {
      delete d.profiles[ann!.peer]
    })
    await until(() => bob!.wp.doc && !bob!.wp.doc.profiles[ann!.peer], 'Bob to get the removal')
    expect(nameOf(bob!, ann!)).toBe('Ann')

    await ann!.wp.setName('Acme Ltd')
    await ann!.wp.setDescription('Ann’s team')
    await bob!.wp.setProfileName('Robert')
    for (const dev of [bob!, mel!]) {
      await until(() => dev.wp.name === 'Acme Ltd', `${dev.name} to see the owner’s new name`)
      await until(() => dev.wp.description === 'Ann’s team', `${dev.name}: the description`)
    }
    await until(() => nameOf(ann!, bob!) === 'Robert', 'Ann to see Bob’s own new name')
  })
})
