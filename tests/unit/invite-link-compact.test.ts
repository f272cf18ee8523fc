import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/lib/canonical-json.ts'
import { toBase64Url } from '../../src/lib/base64.ts'
import { recordError, signRecord } from '../../src/crdt/membership/sign.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import {
  decodeCompactPayload,
  encodeCompactPayload,
} from '../../src/crdt/workplace/compact-link.ts'
import {
  decodeWorkplaceLink,
  encodeWorkplaceLink,
  qrCodeLink,
  type WorkplaceLink,
} from '../../src/crdt/workplace/invite-link.ts'
import { QUIET_ZONE, qrLayout } from '../../src/ui/qr-layout.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { firstVersionLink } from '../support/first-version-link.ts'

const WORKPLACE = 'o44gxl4nba26g4e2dvkioujfy4'
const base = 'https://peers.example/app/'

async function inviteLink(): Promise<{ link: WorkplaceLink; invite: SignedRecord }> {
  const owner = await createTestIdentity()
  const other = await createTestIdentity()
  const invite = await signRecord(owner, {
    kind: 'invite',
    workplace: WORKPLACE,
    inviteId: 've73ri3wmgooaeky',
    expiresAt: 1_795_326_668_536,
    maxUses: 1000,
    clock: 17,
    at: 1_795_240_268_536,
  })
  const link: WorkplaceLink = {
    workplace: WORKPLACE,
    name: 'Dockside — Überseehafen 🚢',
    peers: [owner.peerId, other.peerId],
    endpoints: ['wss://peers.example/relay', 'wss://backup.example/relay'],
    invite,
  }
  return { link, invite }
}

/** The link as the first version wrote it. */
const jsonLink = (link: WorkplaceLink): string => firstVersionLink(base, link)

describe('compact workplace links', () => {
  it('carry an invite exactly, its signature still valid, in under half the length', async () => {
    const { link, invite } = await inviteLink()
    const url = encodeWorkplaceLink(base, link)
    expect(url).toMatch(/#join=b[A-Za-z0-9_-]+$/)
    expect(url.length).toBeLessThan(jsonLink(link).length / 2 + 40)
    const back = decodeWorkplaceLink(url)
    expect(canonicalJson(back)).toBe(canonicalJson(link))
    expect(await recordError(back.invite)).toBeNull()
    expect(canonicalJson(back.invite)).toBe(canonicalJson(invite))
  })

  it('carry a link with no invite (asking to join)', async () => {
    const { link } = await inviteLink()
    const { invite: _, ...ask } = link
    const url = encodeWorkplaceLink(base, ask)
    expect(url).toMatch(/#ask=b/)
    expect(decodeWorkplaceLink(url)).toEqual(ask)
  })

  it('still read links of the first (JSON) form', async () => {
    const { link } = await inviteLink()
    const back = decodeWorkplaceLink(jsonLink(link))
    expect(canonicalJson(back)).toBe(canonicalJson(link))
    expect(await recordError(back.invite)).toBeNull()
  })

  it('fall back to JSON when the payload cannot be rebuilt exactly', async () => {
    const { link, invite } = await inviteLink()
    const signerNotFirst = { ...link, peers: [link.peers[1]!] }
    expect(encodeWorkplaceLink(base, signerNotFirst)).toMatch(/#join=b/)
    const odd = { ...link, invite: { ...invite, body: { ...invite.body, note: 'extra' } } }
    const url = encodeWorkplaceLink(base, odd as WorkplaceLink)
    expect(url).toMatch(/#join=e/)
    expect(encodeCompactPayload({ v: 1, w: WORKPLACE, n: 'x', p: ['not a peer'], s: [] })).toBe(
      null,
    )
    expect(encodeCompactPayload({ v: 1, w: WORKPLACE, n: 'x', p: [], s: [], extra: 1 })).toBe(null)
  })

  it('refuse damaged compact links with a readable error, never crashing', async () => {
    const { link } = await inviteLink()
    const url = encodeWorkplaceLink(base, link)
    const token = url.slice(url.indexOf('=') + 1)
    const damaged = [
      token.slice(0, -10),
      `${token}AAAA`,
      'b',
      'bAAAA',
      `b${'_'.repeat(40)}`,
      `b${token.slice(2)}`,
    ]
    for (const bad of damaged) {
      expect(() => decodeWorkplaceLink(`${base}#join=${bad}`), bad).toThrow(/damaged/)
    }
    expect(() => decodeCompactPayload(`b${'A'.repeat(20_000)}`)).toThrow('not a compact link')
  })

  it('a peer ID in the link is 20 raw bytes, not 32 characters', () => {
    const peer = 'a'.repeat(32) as PeerId
    const one = encodeCompactPayload({ v: 1, w: WORKPLACE, n: '', p: [peer], s: [] })!
    const two = encodeCompactPayload({ v: 1, w: WORKPLACE, n: '', p: [peer, peer], s: [] })!
    expect((two.length - one.length) * 0.75).toBeCloseTo(20, 0)
  })
})

describe('the QR form of a link', () => {
  it('leaves out the name, the relay of its own host and all but two peers, and still admits', async () => {
    const { link, invite } = await inviteLink()
    const many = { ...link, peers: [...link.peers, ...(await fiveMorePeers())] }
    const full = encodeWorkplaceLink(base, many)
    const qr = qrCodeLink(full)
    const decoded = decodeWorkplaceLink(qr)
    expect(decoded.name).toBe('')
    expect(qr).not.toContain(toBase64Url(new TextEncoder().encode('Dockside')))
    expect(decoded.peers).toEqual(many.peers.slice(0, 2))
    expect(decoded.endpoints).toEqual(['wss://backup.example/relay'])
    expect(decoded.workplace).toBe(WORKPLACE)
    expect(canonicalJson(decoded.invite)).toBe(canonicalJson(invite))
    expect(await recordError(decoded.invite!)).toBeNull()
    expect(qr.startsWith(base)).toBe(true)
    expect(qr.length).toBeLessThan(full.length - 100)
  })

  it('can be made from a link of the first (JSON) form', async () => {
    const { link } = await inviteLink()
    const decoded = decodeWorkplaceLink(qrCodeLink(jsonLink(link)))
    expect(decoded).toMatchObject({ workplace: WORKPLACE, name: '', peers: link.peers })
    expect(decodeWorkplaceLink(jsonLink(link)).name).toBe(link.name)
  })

  it('is drawn at error correction M, whole device pixels per module, a 4-module quiet zone', async () => {
    const { link } = await inviteLink()
    const own = { ...link, endpoints: ['wss://peers.example/relay'] }
    const full = encodeWorkplaceLink(base, own)
    const qr = qrCodeLink(full)
    const layout = qrLayout(qr, 358, 3)
    expect(layout.modules).toBeLessThan(qrLayout(full, 358, 3).modules)
    expect(layout.level).toBe('M')
    expect(Number.isInteger(layout.modulePx)).toBe(true)
    expect(layout.pixels).toBe(layout.modulePx * layout.modules)
    expect(layout.pixels).toBeLessThanOrEqual(358 * 3)
    // Only a module's worth of room is left unused.
    expect(layout.pixels).toBeGreaterThan(358 * 3 - layout.modules)
    for (let i = 0; i < layout.modules; i++) {
      for (let q = 0; q < QUIET_ZONE; q++) {
        for (const [r, c] of [
          [q, i],
          [i, q],
          [layout.modules - 1 - q, i],
          [i, layout.modules - 1 - q],
        ] as const)
          expect(layout.dark(r, c)).toBe(false)
      }
    }
    // The finder pattern's corner sits just inside the quiet zone.
    expect(layout.dark(QUIET_ZONE, QUIET_ZONE)).toBe(true)
    // Version 13 (69 modules) or below for an invite with two peers from its own host.
    expect(layout.modules - 2 * QUIET_ZONE).toBeLessThanOrEqual(69)
  })
})

async function fiveMorePeers(): Promise<PeerId[]> {
  const ids = await Promise.all([1, 2, 3, 4, 5].map(() => createTestIdentity()))
  return ids.map((id) => id.peerId)
}
