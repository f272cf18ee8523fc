import type { Identity } from '../../src/peer/identity/identity.ts'
import { claimText, formatProof, type Claim } from '../../src/peer/identity/record-proof.ts'

/** A member's device as the forgery tests see it: its key and its view of the workplace. */
interface Signer {
  identity: Identity
  wp: { id: string; membership: { clock: number } }
}

/**
 * A proof made by `signer`'s own key for a claim that may name someone else, at the signer's
 * membership clock: what a modified device can write in another member's name.
 */
export async function proofBy(signer: Signer, claim: Claim): Promise<string> {
  const clock = signer.wp.membership.clock
  const text = claimText(signer.wp.id, claim, clock)
  return formatProof(clock, await signer.identity.sign(new TextEncoder().encode(text)))
}
