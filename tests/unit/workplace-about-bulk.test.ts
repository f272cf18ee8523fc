import { afterEach, expect, it } from 'vitest'
import { BULK_CHANGES } from '../../src/crdt/workplace/about-history.ts'
import type { RootDoc } from '../../src/crdt/workplace/root-doc.ts'
import { until } from '../support/until.ts'
import { ChatWorld } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

// A returning member's catch-up brings a thousand changes in one sync message. Reading them
// all for the workplace's name, in the task that applied them, held its page 0.2-0.4 s before
// it could show that it had caught up. They are read in a later task: what shows meanwhile is
// what showed before they came, and once read, a record in them counts, removed or not.
it('a sync that brings many changes at once has its about history read in a later task', async () => {
  world = new ChatWorld()
  const [ann, mel] = await world.devices(['Ann', 'Mel'])
  await ann!.wp.setName('Acme Inc')
  await until(() => mel!.wp.name === 'Acme Inc', 'Mel to show Ann’s name')

  world.hub.unlink(ann!.peer, mel!.peer)
  const heldBack = () => false
  const [annAuth, melAuth] = [ann!.port.authorize, mel!.port.authorize]
  ann!.port.authorize = heldBack
  mel!.port.authorize = heldBack
  // While they are apart: Ann renames the workplace, makes many other changes, and her newest
  // name record is then removed (as a modified device would), so only the history has it.
  await ann!.wp.setName('Acme Two')
  for (let i = 0; i < 3 * BULK_CHANGES; i++) {
    ann!.wp.handle.change((d: RootDoc) => void (d.description = `change ${i}`))
  }
  ann!.wp.handle.change((d: RootDoc) => void delete d.about!.name![ann!.peer])

  const readBefore = mel!.wp.historyChangesRead
  const atArrival: { read: number; name: string }[] = []
  mel!.wp.handle.on('change', () => {
    if (atArrival.length > 0) return
    atArrival.push({ read: mel!.wp.historyChangesRead - readBefore, name: mel!.wp.name })
  })
  const names: string[] = []
  mel!.wp.on('change', () => names.push(mel!.wp.name))
  ann!.port.authorize = annAuth
  mel!.port.authorize = melAuth
  world.hub.link(ann!.peer, mel!.peer)

  await until(() => atArrival.length > 0, 'Ann’s changes to reach Mel')
  // Applied, and nothing of them decoded in that task: the name is the one shown before.
  expect(atArrival[0]).toEqual({ read: 0, name: 'Acme Inc' })
  await until(() => mel!.wp.name === 'Acme Two', 'Mel to read Ann’s removed name from history')
  expect(names).toContain('Acme Two')
  expect(mel!.wp.historyChangesRead - readBefore).toBeGreaterThan(3 * BULK_CHANGES)
})
