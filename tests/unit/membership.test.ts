import { describe, expect, it } from 'vitest'
import { evaluateMembership, type VerifiedRecord } from '../../src/crdt/membership/evaluate.ts'
import { MembershipLog } from '../../src/crdt/membership/membership-log.ts'
import {
  createMemoryRecordStore,
  type RecordStore,
} from '../../src/crdt/membership/record-store.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import {
  randomId,
  recordError,
  recordId,
  signRecord,
  type UnsignedBody,
} from '../../src/crdt/membership/sign.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { createTestIdentity } from '../support/test-identity.ts'

type Fields<K extends UnsignedBody['kind']> = Omit<
  Extract<UnsignedBody, { kind: K }>,
  'kind' | 'workplace' | 'clock' | 'at'
>

async function genesis(owner: Identity, name = 'Acme') {
  const record = await signRecord(owner, {
    kind: 'genesis',
    workplace: '',
    name,
    nonce: randomId(),
    clock: 0,
    at: 1,
  })
  return { id: await recordId(record), record }
}

async function entry<K extends UnsignedBody['kind']>(
  signer: Identity,
  workplace: string,
  kind: K,
  clock: number,
  fields: Fields<K>,
  at = 1000,
): Promise<VerifiedRecord> {
  const record = await signRecord(signer, {
    kind,
    workplace,
    clock,
    at,
    ...fields,
  } as unknown as UnsignedBody)
  expect(await recordError(record)).toBeNull()
  return { id: await recordId(record), record }
}

describe('membership records', () => {
  it('makes the creator the first owner and honours an owner adding and promoting', async () => {
    const [a, b, c] = await Promise.all([
      createTestIdentity(),
      createTestIdentity(),
      createTestIdentity(),
    ])
    const g = await genesis(a)
    const add = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const promote = await entry(a, g.id, 'promote', 2, { subject: b.peerId })
    const addC = await entry(b, g.id, 'add', 3, { subject: c.peerId })
    const state = evaluateMembership(g.id, [addC, promote, g, add])
    expect(Object.fromEntries(state.members)).toEqual({
      [a.peerId]: 'owner',
      [b.peerId]: 'owner',
      [c.peerId]: 'member',
    })
    expect(state.genesisName).toBe('Acme')
  })

  it('ignores changes signed by a non-owner, whatever the document says', async () => {
    const [a, b, c] = await Promise.all([
      createTestIdentity(),
      createTestIdentity(),
      createTestIdentity(),
    ])
    const g = await genesis(a)
    const add = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const sneaky = await entry(b, g.id, 'add', 2, { subject: c.peerId })
    const coup = await entry(b, g.id, 'remove', 3, { subject: a.peerId })
    const state = evaluateMembership(g.id, [g, add, sneaky, coup])
    expect([...state.members.keys()].sort()).toEqual([a.peerId, b.peerId].sort())
    expect(state.ignored.map((i) => i.reason)).toEqual([
      'signer is not an owner',
      'signer is not an owner',
    ])
  })

  it('rejects forged and tampered records', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const g = await genesis(a)
    const add = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const tampered: SignedRecord = structuredClone(add.record)
    ;(tampered.body as { subject: string }).subject = 'a'.repeat(32)
    expect(await recordError(tampered)).toBe('bad signature')
    const impostor: SignedRecord = structuredClone(add.record)
    impostor.body.by = b.peerId
    expect(await recordError(impostor)).toBe('signer key does not match its ID')
    expect(await recordError({ body: { v: 1 }, sig: 'x' })).toMatch(/bad workplace|unknown/)
  })

  it('resolves a concurrent remove and promote deterministically, in any arrival order', async () => {
    const [a, b, c] = await Promise.all([
      createTestIdentity(),
      createTestIdentity(),
      createTestIdentity(),
    ])
    const g = await genesis(a)
    const addB = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const addC = await entry(a, g.id, 'add', 2, { subject: c.peerId })
    const promoteB = await entry(a, g.id, 'promote', 3, { subject: b.peerId })
    // Concurrent (same clock): B removes C while A removes B.
    const bRemovesC = await entry(b, g.id, 'remove', 4, { subject: c.peerId })
    const aRemovesB = await entry(a, g.id, 'remove', 4, { subject: b.peerId })
    const all = [g, addB, addC, promoteB, bRemovesC, aRemovesB]
    const first = evaluateMembership(g.id, all)
    const second = evaluateMembership(g.id, [...all].reverse())
    expect([...first.members].sort()).toEqual([...second.members].sort())
    expect(first.members.has(b.peerId)).toBe(false)
  })

  it('admits with an invite until it expires, is used up or revoked', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => createTestIdentity()))
    const [a, b, c, d, e] = ids as [Identity, Identity, Identity, Identity, Identity]
    const g = await genesis(a)
    const once = await entry(a, g.id, 'invite', 1, {
      inviteId: randomId(),
      expiresAt: 5000,
      maxUses: 1,
    })
    const admitB = await entry(a, g.id, 'admit', 2, { subject: b.peerId, invite: once.record })
    // B (now a member) admits C with the same single-use invite: refused, it is used up.
    const admitC = await entry(b, g.id, 'admit', 3, { subject: c.peerId, invite: once.record })
    const late = await entry(a, g.id, 'invite', 4, {
      inviteId: randomId(),
      expiresAt: 2000,
      maxUses: 5,
    })
    const admitD = await entry(
      a,
      g.id,
      'admit',
      5,
      { subject: d.peerId, invite: late.record },
      3000,
    )
    const revoked = await entry(a, g.id, 'invite', 6, {
      inviteId: randomId(),
      expiresAt: 9000,
      maxUses: 5,
    })
    const revoke = await entry(a, g.id, 'revoke-invite', 7, {
      inviteId: (revoked.record.body as { inviteId: string }).inviteId,
    })
    const admitE = await entry(b, g.id, 'admit', 8, { subject: e.peerId, invite: revoked.record })
    const state = evaluateMembership(g.id, [
      g,
      once,
      admitB,
      admitC,
      late,
      admitD,
      revoked,
      revoke,
      admitE,
    ])
    expect([...state.members.keys()].sort()).toEqual([a.peerId, b.peerId].sort())
    expect(state.ignored.map((i) => i.reason)).toEqual([
      'invite was used up',
      'invite had expired',
      'invite was revoked',
    ])
  })

  it('keeps the last owner from leaving a workplace that still has members', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const g = await genesis(a)
    const addB = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const leaveA = await entry(a, g.id, 'leave', 2, { subject: a.peerId })
    const leaveB = await entry(b, g.id, 'leave', 3, { subject: b.peerId })
    const state = evaluateMembership(g.id, [g, addB, leaveA, leaveB])
    expect([...state.members.keys()]).toEqual([a.peerId])
    expect(state.former.has(b.peerId)).toBe(true)
  })
})

describe('MembershipLog', () => {
  it('keeps records a member deleted from the document and writes them back', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const g = await genesis(a)
    const addB = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const removeB = await entry(a, g.id, 'remove', 2, { subject: b.peerId })
    const store = createMemoryRecordStore()
    const log = new MembershipLog(g.id, store)
    await log.ingest([g.record, addB.record, removeB.record, { junk: true }])
    expect(log.state.members.has(b.peerId)).toBe(false)

    // A fresh log on the same device, fed a document from which B deleted its removal.
    const again = new MembershipLog(g.id, store)
    await again.load()
    await again.ingest([g.record, addB.record])
    expect(again.state.members.has(b.peerId)).toBe(false)
    expect(
      again.missingFrom({ [g.id]: g.record, [addB.id]: addB.record }).map((r) => r.id),
    ).toEqual([removeB.id])
  })

  it('takes a record in again, and keeps it, after storing it failed', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const g = await genesis(a)
    const addB = await entry(a, g.id, 'add', 1, { subject: b.peerId })
    const inner = createMemoryRecordStore()
    let full = true
    const store: RecordStore = {
      all: (workplace) => inner.all(workplace),
      put: (workplace, id, record) =>
        full && id === addB.id
          ? Promise.reject(new Error('quota exceeded'))
          : inner.put(workplace, id, record),
    }
    const log = new MembershipLog(g.id, store)
    await expect(log.ingest([g.record, addB.record])).rejects.toThrow(/quota/)
    // Not held, so not written back to the document as this device's (an append that failed).
    expect(log.records().map((r) => r.id)).toEqual([g.id])

    // The next pass over the document offers the same records again.
    full = false
    await log.ingest([g.record, addB.record])
    expect(log.state.members.has(b.peerId)).toBe(true)
    expect((await inner.all(g.id)).map((r) => r.id)).toContain(addB.id)
  })

  it('refuses a genesis of another workplace', async () => {
    const [a, b] = await Promise.all([createTestIdentity(), createTestIdentity()])
    const g = await genesis(a)
    const other = await genesis(b, 'Other')
    const log = new MembershipLog(g.id, createMemoryRecordStore())
    expect(await log.ingest([g.record, other.record])).toEqual(['belongs to another workplace'])
    expect([...log.state.members.keys()]).toEqual([a.peerId])
  })
})
