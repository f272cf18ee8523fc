import type { Claim } from '../peer/identity/record-proof.ts'
import type { PeerId } from '../peer/ids.ts'

/**
 * What the proofs in the files document sign. Writers and readers build claims here only, so
 * both sides always sign and check the same thing.
 */
const FILES_CLAIM_DOC = 'files'

/** A version record: its adder vouches for the file (name, type, size, ID) and when. */
export function entryClaim(
  id: string,
  by: PeerId,
  content: { name: string; type: string; size: number; fileId: string },
  at: number,
): Claim {
  const { name, type, size, fileId } = content
  return {
    doc: FILES_CLAIM_DOC,
    key: `entries/${id}`,
    peer: by,
    content: { n: name, y: type, z: size, f: fileId },
    clock: at,
  }
}

/** A holding: the member itself vouches for how much of a file it holds, and when. */
export function holdingClaim(
  peer: PeerId,
  fileId: string,
  holding: { chunks: number; of: number },
  at: number,
): Claim {
  return {
    doc: FILES_CLAIM_DOC,
    key: `holdings/${fileId}`,
    peer,
    content: { c: holding.chunks, o: holding.of },
    clock: at,
  }
}
