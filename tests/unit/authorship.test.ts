import { describe, expect, it, vi } from 'vitest'
import { Authorship } from '../../src/crdt/authorship/authorship.ts'
import { KeyDirectory } from '../../src/crdt/authorship/key-directory.ts'
import { claimText, formatProof, type Claim } from '../../src/peer/identity/record-proof.ts'
import {
  evaluateMembership,
  roleAt,
  type MembershipState,
  type VerifiedRecord,
} from '../../src/crdt/membership/evaluate.ts'
import {
  randomId,
  recordId,
  signRecord,
  type UnsignedBody,
} from '../../src/crdt/membership/sign.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { toBase64Url } from '../../src/lib/base64.ts'
import { createTestIdentity } from '../support/test-identity.ts'

async function record(signer: Identity, fields: UnsignedBody): Promise<VerifiedRecord> {
  const signed = await signRecord(signer, fields)
  return { id: await recordId(signed), record: signed }
}

/** Ann owns the workplace; Bob was added at clock 1, Cy at 2; Bob is removed at clock 5. */
async function world() {
  const [ann, bob, cy, eve] = (await Promise.all([0, 1, 2, 3].map(() => createTestIdentity()))) as [
    Identity,
    Identity,
    Identity,
    Identity,
  ]
  const g = await record(ann, {
    kind: 'genesis',
    workplace: '',
    name: 'Acme',
    nonce: randomId(),
    clock: 0,
    at: 1,
  })
  const log = [
    g,
    await record(ann, { kind: 'add', subject: bob.peerId, workplace: g.id, clock: 1, at: 2 }),
    await record(ann, { kind: 'add', subject: cy.peerId, workplace: g.id, clock: 2, at: 3 }),
    await record(ann, { kind: 'remove', subject: bob.peerId, workplace: g.id, clock: 5, at: 4 }),
  ]
  let state: MembershipState = evaluateMembership(g.id, log.slice(0, 3))
  const keys = new KeyDirectory()
  await keys.learn([ann, bob, cy, eve].map((id) => [id.peerId, toBase64Url(id.publicKey)] as const))
  const authorship = (identity: Identity) =>
    new Authorship({ workplace: g.id, identity, membership: () => state, keys })
  return {
    ann,
    bob,
    cy,
    eve,
    workplace: g.id,
    keys,
    authorship,
    state: () => state,
    removeBob: () => (state = evaluateMembership(g.id, log)),
    setClock: (clock: number) => (state = { ...state, clock }),
  }
}

/** Checks until the verdict is final (verification is asynchronous). */
async function judge(
  reader: Authorship,
  claim: Claim,
  proof: unknown,
  required?: 'owner',
): Promise<string> {
  for (let i = 0; i < 5; i++) {
    const verdict = reader.check(claim, proof, required)
    if (verdict !== 'pending') return verdict
    await reader.settled()
  }
  throw new Error('verdict stayed pending')
}

const message = (peer: Identity): Claim => ({
  doc: 'chat:2900.0',
  key: 'abcdefghijklmnop',
  peer: peer.peerId,
  content: { x: 'The meeting is at 10.', r: null },
  clock: '1718000000000.0001',
})

/** A small record (no text content): a read receipt. */
const readReceipt = (peer: Identity): Claim => ({
  doc: 'chat:2900.0',
  key: 'read/x',
  peer: peer.peerId,
  content: null,
  clock: '1718000000000.0001',
})

describe('record authorship', () => {
  it('a member’s signed record reads as genuine on another device', async () => {
    const w = await world()
    const { peer: _p, ...claim } = message(w.bob)
    const proof = await w.authorship(w.bob).sign(claim)
    expect(await judge(w.authorship(w.ann), message(w.bob), proof)).toBe('genuine')
  })

  it('any change to what was signed makes it forged', async () => {
    const w = await world()
    const claim = message(w.bob)
    const proof = await w.authorship(w.bob).sign(claim)
    const reader = w.authorship(w.ann)
    const tampered: Claim[] = [
      { ...claim, content: { x: 'The meeting is cancelled.', r: null } },
      { ...claim, key: 'bbbbbbbbbbbbbbbb' },
      { ...claim, doc: 'chat:2901.0' },
      { ...claim, clock: '1718000000000.0002' },
      { ...claim, peer: w.cy.peerId },
    ]
    for (const forged of tampered) expect(await judge(reader, forged, proof)).toBe('forged')
    const other = new Authorship({
      workplace: randomId(),
      identity: w.ann,
      membership: () => evaluateMembership(w.workplace, []),
      keys: w.keys,
    })
    expect(other.check(claim, proof)).toBe('not-member')
    // The same signature under another membership clock is not the signer's word either.
    const bumped = proof.replace(/^\d+/, '1')
    expect(await judge(reader, claim, bumped)).toBe('forged')
    // Flip one whole character in the signature's middle: a trailing base64 character carries
    // padding bits, so changing only the end may decode to the very same bytes.
    const at = proof.indexOf('.') + 20
    const flipped = proof.slice(0, at) + (proof[at] === 'A' ? 'B' : 'A') + proof.slice(at + 1)
    expect(await judge(reader, claim, flipped)).toBe('forged')
    expect(reader.check(claim, 'not a proof')).toBe('forged')
    expect(reader.check(claim, undefined)).toBe('unsigned')
  })

  it('a member cannot sign as another, and a non-member’s signature does not count', async () => {
    const w = await world()
    // Bob signs a claim that names Ann as its writer: no signature of Ann's, so forged.
    const claim = message(w.ann)
    const text = claimText(w.workplace, claim, 2)
    const sig = await w.bob.sign(new TextEncoder().encode(text))
    expect(await judge(w.authorship(w.cy), claim, formatProof(2, sig))).toBe('forged')
    // Eve holds a key but was never a member.
    const eveClaim = message(w.eve)
    const eveText = claimText(w.workplace, eveClaim, 2)
    const eveSig = await w.eve.sign(new TextEncoder().encode(eveText))
    expect(w.authorship(w.ann).check(eveClaim, formatProof(2, eveSig))).toBe('not-member')
  })

  it('records signed after the signer’s removal are ignored, earlier ones still count', async () => {
    const w = await world()
    const claim = message(w.bob)
    w.setClock(2)
    const before = await w.authorship(w.bob).sign(claim)
    w.removeBob()
    const after = await w.authorship(w.bob).sign(claim)
    expect(before.startsWith('2.')).toBe(true)
    expect(after.startsWith('5.')).toBe(true)
    const reader = w.authorship(w.ann)
    expect(await judge(reader, claim, before)).toBe('genuine')
    expect(reader.check(claim, after)).toBe('not-member')
  })

  it('only an owner’s record passes where an owner is required', async () => {
    const w = await world()
    const claim: Claim = { doc: 'root', key: 'name', peer: w.cy.peerId, content: 'X', clock: 3 }
    const proof = await w.authorship(w.cy).sign(claim)
    expect(await judge(w.authorship(w.ann), claim, proof, 'owner')).toBe('not-owner')
    const owned = { ...claim, peer: w.ann.peerId }
    const ownerProof = await w.authorship(w.ann).sign(owned)
    expect(await judge(w.authorship(w.cy), owned, ownerProof, 'owner')).toBe('genuine')
  })

  it('waits for an unknown writer’s key, then judges once it is learned', async () => {
    const w = await world()
    const claim = message(w.cy)
    const proof = await w.authorship(w.cy).sign(claim)
    const keys = new KeyDirectory()
    const reader = new Authorship({
      workplace: w.workplace,
      identity: w.ann,
      membership: w.state,
      keys,
    })
    const changed = vi.fn()
    reader.on('change', changed)
    expect(reader.check(claim, proof)).toBe('pending')
    await reader.settled()
    expect(reader.check(claim, proof)).toBe('pending')
    const before = reader.generation
    await keys.learn([[w.cy.peerId, toBase64Url(w.cy.publicKey)]])
    expect(changed).toHaveBeenCalledTimes(1)
    expect(reader.generation).toBe(before + 1)
    expect(await judge(reader, claim, proof)).toBe('genuine')
  })

  it('verifies each record once: later reads are answered from the cache', async () => {
    const w = await world()
    const claim = message(w.bob)
    const proof = await w.authorship(w.bob).sign(claim)
    const reader = w.authorship(w.ann)
    // Bob's signatures are counted where they are checked: other files' devices in this worker
    // may still be checking theirs while this test runs.
    const verifier = w.keys.verifier.bind(w.keys)
    const verify = vi.fn(verifier(w.bob.peerId)!)
    const lookups = vi
      .spyOn(w.keys, 'verifier')
      .mockImplementation((peer) => (peer === w.bob.peerId ? verify : verifier(peer)))
    expect(reader.check(claim, proof)).toBe('pending')
    expect(reader.check(claim, proof)).toBe('pending')
    await reader.settled()
    for (let i = 0; i < 10; i++) expect(reader.check(claim, proof)).toBe('genuine')
    expect(verify).toHaveBeenCalledTimes(1)
    lookups.mockRestore()
  })

  it('answers a repeated check of a small record without reading its proof again', async () => {
    const w = await world()
    const receipt = readReceipt(w.bob)
    const proof = await w.authorship(w.bob).sign(receipt)
    const reader = w.authorship(w.ann)
    expect(await judge(reader, receipt, proof)).toBe('genuine')
    const lookups = vi.spyOn(w.keys, 'verifier')
    for (let i = 0; i < 10; i++) expect(reader.check(receipt, proof)).toBe('genuine')
    expect(lookups).not.toHaveBeenCalled()
    // Another record, or the same one with another proof, is judged on its own.
    expect(await judge(reader, { ...receipt, clock: '1718000000000.0002' }, proof)).toBe('forged')
    expect(await judge(reader, receipt, proof.replace(/^\d+/, '4'))).toBe('forged')
    lookups.mockRestore()
  })

  it('answers checks of a small record while it waits, then judges it once it can', async () => {
    const w = await world()
    const receipt = readReceipt(w.bob)
    const proof = await w.authorship(w.bob).sign(receipt)
    const reader = w.authorship(w.ann)
    const lookups = vi.spyOn(w.keys, 'verifier')
    // Its verification under way: every reader's look at a change asks again meanwhile.
    for (let i = 0; i < 10; i++) expect(reader.check(receipt, proof)).toBe('pending')
    expect(lookups).toHaveBeenCalledTimes(1)
    await reader.settled()
    expect(reader.check(receipt, proof)).toBe('genuine')
    lookups.mockRestore()

    // The writer's key not known yet: pending until it is learned.
    const keys = new KeyDirectory()
    const waiting = new Authorship({
      workplace: w.workplace,
      identity: w.ann,
      membership: w.state,
      keys,
    })
    expect(waiting.check(receipt, proof)).toBe('pending')
    expect(waiting.check(receipt, proof)).toBe('pending')
    await keys.learn([[w.bob.peerId, toBase64Url(w.bob.publicKey)]])
    expect(await judge(waiting, receipt, proof)).toBe('genuine')
  })

  it('answers checks of a message while its signature is checked, without encoding it again', async () => {
    const w = await world()
    const claim = message(w.bob)
    const proof = await w.authorship(w.bob).sign(claim)
    const reader = w.authorship(w.ann)
    const lookups = vi.spyOn(w.keys, 'verifier')
    // A busy chat reads every pending message again at each change until the check is done.
    for (let i = 0; i < 10; i++) expect(reader.check({ ...claim }, proof)).toBe('pending')
    expect(lookups).toHaveBeenCalledTimes(1)
    // The same words in another record, or other words under the same proof, are their own.
    const altered = { ...claim, content: { x: 'The meeting is at 11.', r: null } }
    expect(reader.check(altered, proof)).toBe('pending')
    expect(lookups).toHaveBeenCalledTimes(2)
    await reader.settled()
    expect(reader.check(claim, proof)).toBe('genuine')
    expect(await judge(reader, altered, proof)).toBe('forged')
    lookups.mockRestore()
  })

  it('judges a remembered record again once the membership changed', async () => {
    const w = await world()
    const receipt = readReceipt(w.bob)
    w.setClock(5)
    const proof = await w.authorship(w.bob).sign(receipt)
    const reader = w.authorship(w.ann)
    expect(await judge(reader, receipt, proof)).toBe('genuine')
    // The log now says Bob was removed at clock 5, without anyone calling `invalidate`.
    w.removeBob()
    expect(reader.check(receipt, proof)).toBe('not-member')
  })
})

describe('key directory', () => {
  it('learns only keys that hash to their peer ID', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const keys = new KeyDirectory()
    const changed = vi.fn()
    keys.on('change', changed)
    await keys.learn([
      [a.peerId, toBase64Url(b.publicKey)],
      [b.peerId, 'not base64url!'],
      ['nonsense', toBase64Url(a.publicKey)],
    ])
    expect(keys.has(a.peerId) || keys.has(b.peerId)).toBe(false)
    expect(changed).not.toHaveBeenCalled()
    await keys.learn([[a.peerId, toBase64Url(a.publicKey)]])
    expect(keys.has(a.peerId)).toBe(true)
    expect(changed).toHaveBeenCalledTimes(1)
  })
})

describe('membership timeline', () => {
  it('gives each peer’s role at each point of the log', async () => {
    const w = await world()
    w.removeBob()
    const state = w.state()
    expect(roleAt(state, w.ann.peerId, 0)).toBe('owner')
    expect(roleAt(state, w.bob.peerId, 0)).toBeNull()
    expect(roleAt(state, w.bob.peerId, 1)).toBe('member')
    expect(roleAt(state, w.bob.peerId, 4)).toBe('member')
    expect(roleAt(state, w.bob.peerId, 5)).toBeNull()
    expect(roleAt(state, w.cy.peerId, 1)).toBeNull()
    expect(roleAt(state, w.cy.peerId, 99)).toBe('member')
    expect(roleAt(state, w.eve.peerId, 99)).toBeNull()
  })
})
