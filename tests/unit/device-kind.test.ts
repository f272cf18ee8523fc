import { afterEach, describe, expect, it } from 'vitest'
import { deviceKindClaim } from '../../src/crdt/workplace/device-kind.ts'
import { until } from '../support/until.ts'
import { ChatWorld, type ChatDevice } from './chat-devices.ts'
import { proofBy } from '../support/forged-proof.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const alwaysOn = (dev: ChatDevice, who: ChatDevice) =>
  dev.wp.members().find((m) => m.peer === who.peer)?.alwaysOn

describe('an always-on device (a keeper) in People', { timeout: 60_000 }, () => {
  it('is marked by its own signed word only; forged, unsigned and unknown kinds read as nothing', async () => {
    world = new ChatWorld()
    const [ann, kim, mel] = await world.devices(['Ann', 'Kim', 'Mel'])
    expect(alwaysOn(ann!, kim!)).toBe(false)

    await kim!.wp.setDeviceKind('always-on')
    for (const dev of [ann!, mel!, kim!]) {
      await until(() => alwaysOn(dev, kim!) === true, `${dev.name} to see Kim always on`)
    }
    // Said once: saying it again writes nothing.
    const heads = kim!.wp.handle.heads()
    await kim!.wp.setDeviceKind('always-on')
    expect(kim!.wp.handle.heads()).toEqual(heads)

    // Mel marks Ann with a proof of Mel's own key, and herself unsigned, and a kind this
    // version does not know, signed: none of it shows.
    const t = Date.now() + 60_000
    const forged = await proofBy(mel!, deviceKindClaim(ann!.peer, 'always-on', t))
    const unknown = await proofBy(mel!, deviceKindClaim(mel!.peer, 'satellite', t))
    mel!.wp.handle.change((d) => {
      d.devices ??= {}
      d.devices[ann!.peer] = { kind: 'always-on', t, s: forged }
      d.devices[mel!.peer] = { kind: 'satellite', t, s: unknown }
    })
    for (const dev of [ann!, kim!]) {
      await until(() => dev.wp.doc?.devices?.[ann!.peer] !== undefined, `${dev.name}: Mel's write`)
      await dev.wp.authorship.settled()
      expect(alwaysOn(dev, ann!)).toBe(false)
      expect(alwaysOn(dev, mel!)).toBe(false)
      expect(alwaysOn(dev, kim!)).toBe(true)
    }
    mel!.wp.handle.change((d) => {
      d.devices![mel!.peer] = { kind: 'always-on', t, s: '' }
    })
    await until(
      () => ann!.wp.doc?.devices?.[mel!.peer]?.kind === 'always-on',
      'Mel’s unsigned mark',
    )
    await ann!.wp.authorship.settled()
    expect(alwaysOn(ann!, mel!)).toBe(false)
  })

  it('leaves the signed display name as older versions verify it', async () => {
    world = new ChatWorld()
    const [ann, kim] = await world.devices(['Ann', 'Kim'])
    await kim!.wp.setDeviceKind('always-on')
    await until(() => alwaysOn(ann!, kim!) === true, 'Ann to see Kim always on')
    // The name record is untouched: a version that knows nothing of device kinds reads it.
    expect(ann!.wp.doc?.profiles[kim!.peer]).toEqual({
      name: 'Kim',
      updatedAt: expect.any(Number),
      s: expect.any(String),
    })
    expect(ann!.wp.members().find((m) => m.peer === kim!.peer)?.name).toBe('Kim')
  })
})
