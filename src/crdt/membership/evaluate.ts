import type { PeerId } from '../../peer/ids.ts'
import type { Role, SignedRecord } from './record.ts'

export interface InviteState {
  id: string
  by: PeerId
  expiresAt: number
  maxUses: number
  uses: number
  revoked: boolean
}

/** Membership as every peer derives it from the same set of verified records. */
export interface MembershipState {
  workplace: string
  /** The name given at creation (the root document holds the current one). */
  genesisName: string
  members: ReadonlyMap<PeerId, Role>
  /** Peers that were members and are no longer (removed or left). */
  former: ReadonlySet<PeerId>
  invites: ReadonlyMap<string, InviteState>
  /** Records that were verified but not honoured, and why (for diagnostics). */
  ignored: readonly { id: string; reason: string }[]
  /** Highest Lamport clock seen; a new record takes one more. */
  clock: number
  /**
   * Each peer's role from each clock on (null: not a member), in clock order: what a record
   * signed with a given membership clock is judged by (see `roleAt`).
   */
  timeline: ReadonlyMap<PeerId, readonly RoleChange[]>
}

interface RoleChange {
  clock: number
  role: Role | null
}

/**
 * The role `peer` had once the log up to `clock` was applied, or null if it was no member then.
 */
export function roleAt(state: MembershipState, peer: PeerId, clock: number): Role | null {
  const changes = state.timeline.get(peer)
  if (!changes) return null
  let role: Role | null = null
  for (const change of changes) {
    if (change.clock > clock) break
    role = change.role
  }
  return role
}

export interface VerifiedRecord {
  id: string
  record: SignedRecord
}

/**
 * Replays membership records in Lamport order (ties broken by record ID), honouring each only
 * if its signer had the right role at that point. A pure function of the record set, so every
 * peer that holds the same records reaches the same membership, whatever order they arrived in.
 * Records must already be verified (see `recordError`).
 */
export function evaluateMembership(
  workplace: string,
  records: Iterable<VerifiedRecord>,
): MembershipState {
  const members = new Map<PeerId, Role>()
  const former = new Set<PeerId>()
  const invites = new Map<string, InviteState>()
  const ignored: { id: string; reason: string }[] = []
  const unique = new Map<string, SignedRecord>()
  for (const { id, record } of records) unique.set(id, record)

  const timeline = new Map<PeerId, RoleChange[]>()
  const genesis = unique.get(workplace)
  let clock = 0
  if (!genesis || genesis.body.kind !== 'genesis') {
    return { workplace, genesisName: '', members, former, invites, ignored, clock, timeline }
  }
  members.set(genesis.body.by, 'owner')
  timeline.set(genesis.body.by, [{ clock: genesis.body.clock, role: 'owner' }])
  const ordered = [...unique]
    .filter(([id]) => id !== workplace)
    .sort(([idA, a], [idB, b]) => a.body.clock - b.body.clock || (idA < idB ? -1 : 1))

  const owners = () => [...members.values()].filter((role) => role === 'owner').length
  const isOwner = (peer: PeerId) => members.get(peer) === 'owner'
  const drop = (peer: PeerId) => {
    members.delete(peer)
    former.add(peer)
  }

  const track = (at: number) => {
    const before = new Map(members)
    return () => {
      for (const peer of new Set([...before.keys(), ...members.keys()])) {
        const role = members.get(peer) ?? null
        if ((before.get(peer) ?? null) === role) continue
        let changes = timeline.get(peer)
        if (!changes) timeline.set(peer, (changes = []))
        changes.push({ clock: at, role })
      }
    }
  }

  for (const [id, { body }] of ordered) {
    clock = Math.max(clock, body.clock)
    const recorded = track(body.clock)
    const refuse = (reason: string) => ignored.push({ id, reason })
    if (body.workplace !== workplace) {
      refuse('belongs to another workplace')
      continue
    }
    switch (body.kind) {
      case 'genesis':
        refuse('a second genesis')
        break
      case 'add':
        if (!isOwner(body.by)) refuse('signer is not an owner')
        else if (!members.has(body.subject)) {
          members.set(body.subject, 'member')
          former.delete(body.subject)
        }
        break
      case 'promote':
        if (!isOwner(body.by)) refuse('signer is not an owner')
        else if (!members.has(body.subject)) refuse('subject is not a member')
        else members.set(body.subject, 'owner')
        break
      case 'remove':
        if (!isOwner(body.by)) refuse('signer is not an owner')
        else if (!members.has(body.subject)) refuse('subject is not a member')
        else if (isOwner(body.subject) && owners() === 1) refuse('would remove the last owner')
        else drop(body.subject)
        break
      case 'leave':
        if (body.by !== body.subject) refuse('only a member may sign its own leave')
        else if (!members.has(body.subject)) refuse('not a member')
        else if (isOwner(body.subject) && owners() === 1 && members.size > 1) {
          refuse('the last owner must promote someone before leaving')
        } else drop(body.subject)
        break
      case 'invite':
        if (!isOwner(body.by)) refuse('signer is not an owner')
        else if (!invites.has(body.inviteId)) {
          invites.set(body.inviteId, {
            id: body.inviteId,
            by: body.by,
            expiresAt: body.expiresAt,
            maxUses: body.maxUses,
            uses: 0,
            revoked: false,
          })
        }
        break
      case 'revoke-invite': {
        const invite = invites.get(body.inviteId)
        if (!isOwner(body.by)) refuse('signer is not an owner')
        else if (!invite) refuse('unknown invite')
        else invite.revoked = true
        break
      }
      case 'admit': {
        const reason = admitError(body, members, invites)
        if (reason) refuse(reason)
        else if (!members.has(body.subject)) {
          members.set(body.subject, 'member')
          former.delete(body.subject)
          const invite = invites.get(
            body.invite.body.kind === 'invite' ? body.invite.body.inviteId : '',
          )
          if (invite) invite.uses++
        }
        break
      }
    }
    recorded()
  }
  return {
    workplace,
    genesisName: genesis.body.name,
    members,
    former,
    invites,
    ignored,
    clock,
    timeline,
  }
}

function admitError(
  body: Extract<SignedRecord['body'], { kind: 'admit' }>,
  members: Map<PeerId, Role>,
  invites: Map<string, InviteState>,
): string | null {
  const invite = body.invite.body
  if (invite.kind !== 'invite') return 'not an invite'
  if (!members.has(body.by)) return 'admitting signer is not a member'
  if (invite.workplace !== body.workplace) return 'invite is for another workplace'
  let state = invites.get(invite.inviteId)
  if (!state) {
    // The invite record itself has not been logged yet: judge it by its signer's role now.
    if (members.get(invite.by) !== 'owner') return 'invite signer is not an owner'
    state = {
      id: invite.inviteId,
      by: invite.by,
      expiresAt: invite.expiresAt,
      maxUses: invite.maxUses,
      uses: 0,
      revoked: false,
    }
    invites.set(invite.inviteId, state)
  }
  if (state.revoked) return 'invite was revoked'
  if (body.at > state.expiresAt) return 'invite had expired'
  if (state.uses >= state.maxUses) return 'invite was used up'
  return null
}
