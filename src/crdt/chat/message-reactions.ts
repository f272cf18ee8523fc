import { isPeerId, type PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import { reactionClaim, type ReactionState } from './chat-claims.ts'
import { MAX_EMOJI_LENGTH } from './chat-doc.ts'
import { compareHlc, isHlc } from './hlc.ts'
import { str } from './stored-string.ts'

/** A message's reactions as shown: each emoji with the members who reacted with it. */
export interface Reaction {
  emoji: string
  peers: PeerId[]
}

export function isEmoji(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters and spaces are what we refuse
  return value.length > 0 && value.length <= MAX_EMOJI_LENGTH && !/[\s\u0000-\u001f]/.test(value)
}

export function reactionKey(peer: PeerId, emoji: string): string {
  return `${peer} ${emoji}`
}

/**
 * A reaction's stored value (the entry `<peer> <emoji>` of a message's `re` map):
 * `<hlc> on <proof>` or `<hlc> off <proof>` (a signed take-back). Older values are still read:
 * `<proof>` (signed before take-backs were: added, with no clock) and `true` (unsigned, older
 * workplaces').
 */
export function reactionValue(state: ReactionState, proof: string): string {
  return `${state.hlc} ${state.on ? 'on' : 'off'} ${proof}`
}

/** A stored reaction value: its state (none for one signed before take-backs) and its proof. */
function parseValue(value: unknown): { state?: ReactionState; proof: string } | undefined {
  const text = str(value)
  if (text === undefined) return undefined
  const parts = text.split(' ')
  if (parts.length === 1) return { proof: text }
  const [hlc, on, proof] = parts
  if (parts.length !== 3 || !isHlc(hlc) || (on !== 'on' && on !== 'off')) return undefined
  return { state: { hlc, on: on === 'on' }, proof: proof! }
}

/** A stored reaction's clock, if it has one (what this member's next state must come after). */
export function reactionClock(value: unknown): string | undefined {
  return parseValue(value)?.state?.hlc
}

export interface ReadReactions {
  reactions: Reaction[]
  /**
   * Whether some entry of a signed message is not genuine (nor still being checked): someone
   * may have overwritten a member's reaction, which its history tells.
   */
  suspect: boolean
}

/**
 * A message's reactions from its `re` entries (as stored now, or every one ever written, from
 * the shard's history). Of a signed message, only genuine entries count, and of each member's
 * emoji the newest state; of an unsigned one (an older workplace's), any entry present counts.
 */
export function readReactions(
  entries: Iterable<readonly [string, unknown]>,
  message: { shard: string; id: string; signed: boolean },
  judge: Judge,
): ReadReactions {
  const newest = new Map<string, { on: boolean; clock: string | undefined }>()
  let suspect = false
  for (const [key, value] of entries) {
    const space = key.indexOf(' ')
    const peer = key.slice(0, space)
    const emoji = key.slice(space + 1)
    if (space < 0 || !isPeerId(peer) || !isEmoji(emoji)) continue
    let state: { on: boolean; clock: string | undefined }
    const parsed = value === true ? undefined : parseValue(value)
    if (value === true || !parsed) {
      suspect ||= message.signed
      if (message.signed || value !== true) continue
      state = { on: true, clock: undefined }
    } else {
      const claim = reactionClaim(message.shard, message.id, peer, emoji, parsed.state)
      const verdict = judge(claim, parsed.proof)
      if (verdict !== 'genuine') {
        suspect ||= message.signed && verdict !== 'pending'
        continue
      }
      state = { on: parsed.state?.on ?? true, clock: parsed.state?.hlc }
    }
    const before = newest.get(key)
    if (!before || later(state, before)) newest.set(key, state)
  }
  const byEmoji = new Map<string, PeerId[]>()
  for (const [key, { on }] of newest) {
    if (!on) continue
    const space = key.indexOf(' ')
    const emoji = key.slice(space + 1)
    let peers = byEmoji.get(emoji)
    if (!peers) byEmoji.set(emoji, (peers = []))
    peers.push(key.slice(0, space) as PeerId)
  }
  const reactions = [...byEmoji]
    .map(([emoji, peers]) => ({ emoji, peers: peers.sort() }))
    .sort((a, b) => b.peers.length - a.peers.length || (a.emoji < b.emoji ? -1 : 1))
  return { reactions, suspect }
}

/** Whether state `a` supersedes `b`: a later clock (none is earliest); at one clock, `off`. */
function later(
  a: { on: boolean; clock: string | undefined },
  b: { on: boolean; clock: string | undefined },
): boolean {
  if (a.clock === undefined) return b.clock === undefined && !a.on
  if (b.clock === undefined) return true
  const order = compareHlc(a.clock, b.clock)
  return order > 0 || (order === 0 && !a.on)
}

/** How many entries a stored `re` map holds. */
export function reactionCount(re: unknown): number {
  return typeof re === 'object' && re !== null ? Object.keys(re).length : 0
}
