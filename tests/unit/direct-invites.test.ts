import { describe, expect, it } from 'vitest'
import type { WorkplacesApp } from '../../src/app/workplaces-app.ts'
import { DIRECT_INVITE_TERMS, workplaceInvites } from '../../src/direct/workplace-invites.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const SELF = 's'.repeat(32) as PeerId

interface FakeWorkplace {
  id: string
  name: string
  self: PeerId
  isOwner(peer: PeerId): boolean
}

const wp = (id: string, name: string, owner: boolean): FakeWorkplace => ({
  id,
  name,
  self: SELF,
  isOwner: (peer) => owner && peer === SELF,
})

describe('workplace invites for direct conversations', () => {
  it('offers only owned workplaces and asks for one-person links', async () => {
    const asked: unknown[] = []
    const opened: string[] = []
    const invites = workplaceInvites({
      list: () => [wp('w1', 'Acme', true), wp('w2', 'Guests', false)],
      on: () => () => {},
      inviteLink: async (w, terms) => {
        asked.push([w.id, terms])
        return `https://app.example/#join=${w.id}`
      },
      openLink: (url) => opened.push(url),
    })
    expect(invites.list()).toEqual([{ id: 'w1', name: 'Acme' }])
    expect(await invites.inviteInto('w1')).toBe('https://app.example/#join=w1')
    expect(asked).toEqual([['w1', DIRECT_INVITE_TERMS]])
    await expect(invites.inviteInto('w2')).rejects.toThrow(/Only an owner/)
    invites.openLink('https://app.example/#join=w9')
    expect(opened).toEqual(['https://app.example/#join=w9'])
  })

  it('fits the app\u2019s WorkplacesApp', () => {
    // A compile-time check: the lead passes the app's object as it is.
    const wire = (app: WorkplacesApp) => workplaceInvites(app)
    expect(typeof wire).toBe('function')
  })
})
