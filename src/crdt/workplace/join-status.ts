import type { RefusalCode } from './join-protocol.ts'

/** How far a join that is still looking for someone to let it in has got. */
export interface JoinProgress {
  /** When this attempt began (ms since the epoch). */
  since: number
  /** Devices this one is linked to and has asked (members or not). */
  reached: number
  /** Rounds of asking so far; a new round starts every few seconds until someone answers. */
  rounds: number
  /** Who can let this device in: any member for an invite, an owner for a request. */
  decidedBy: 'member' | 'owner'
}

/**
 * A join as the newcomer sees it. `cancelled` and `refused` are kept until dismissed, so the
 * screen can offer to try again (or, for an invite that is used up, expired or revoked, to ask).
 */
export type JoinStatus =
  | { state: 'connecting' | 'asking'; workplace: string; name: string; progress: JoinProgress }
  | { state: 'joining' | 'joined'; workplace: string; name: string }
  | {
      state: 'cancelled'
      workplace: string
      name: string
      /** Set when the join stopped by itself: no device could be reached for this long (ms). */
      unreachedForMs?: number
    }
  | {
      state: 'refused'
      workplace: string
      name: string
      code: RefusalCode
      message: string
      /** The invite cannot be used any more, but the owners can still be asked. */
      canAsk: boolean
    }

/** Refusals of an invite that asking the owners instead can get past. */
export const ASKABLE: ReadonlySet<RefusalCode> = new Set(['used', 'expired', 'revoked'])
