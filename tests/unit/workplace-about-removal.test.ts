import { afterEach, expect, it } from 'vitest'
import { until } from '../support/until.ts'
import { ChatWorld } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

it('a member who removes or overwrites an owner’s name for the workplace cannot undo it', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  await ann!.wp.setName('Acme Ltd')
  await ann!.wp.setName('Acme Inc')
  await ann!.wp.setDescription('Ann’s team')
  await until(() => mel!.wp.name === 'Acme Inc' && mel!.wp.description, 'Mel to see them')

  // Mel writes straight into the document, as a modified device would: Ann's newest name
  // removed, the description replaced by an object of Mel's making.
  mel!.wp.handle.change((d) => {
    delete d.about!.name![ann!.peer]
    d.about!.description = {}
  })
  await mel!.wp.setProfileName('Mel was here')
  for (const dev of [ann!, bob!]) {
    await until(
      () => dev.wp.members().some((m) => m.name === 'Mel was here'),
      `${dev.name} to get Mel’s change`,
    )
    // (Read until their signatures are checked: a read starts the checks it needs.)
    await until(
      () => dev.wp.name === 'Acme Inc' && dev.wp.description === 'Ann’s team',
      `${dev.name} to show Ann’s name and description`,
      5000,
    )
    // As the document stands, neither is there.
    expect(dev.wp.doc?.about?.description).toEqual({})
    expect(dev.wp.doc?.about?.name?.[ann!.peer]).toBeUndefined()
  }
})
