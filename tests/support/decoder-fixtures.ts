/**
 * Valid values shared by the decoder fuzz tests (tests/unit/*-decoders-fuzz.test.ts): ids, a
 * signed invite, and helpers to make and read valid messages.
 */
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import { toBase64Url } from '../../src/lib/base64.ts'
import type { PeerId } from '../../src/peer/ids.ts'

/** A peer id. */
export const PEER = 'abcdefghijklmnopqrstuvwxyz234567' as PeerId
/** Another peer id. */
export const PEER_2 = 'b'.repeat(32) as PeerId
/** A workplace id. */
export const WORKPLACE = 'o44gxl4nba26g4e2dvkioujfy4'
/** A file hash. */
export const HASH = 'ab'.repeat(32) as HashHex
/** A short SDP text. */
export const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
/** `length` bytes, each `fill`. */
export const filled = (length: number, fill: number): Uint8Array =>
  new Uint8Array(length).fill(fill)

/** A signed invite to WORKPLACE, as links and join messages carry it. */
export const INVITE: SignedRecord = {
  body: {
    v: 1,
    kind: 'invite',
    workplace: WORKPLACE,
    by: PEER,
    byKey: toBase64Url(filled(32, 7)),
    clock: 17,
    at: 1_795_240_268_536,
    inviteId: 've73ri3wmgooaeky',
    expiresAt: 1_795_326_668_536,
    maxUses: 1000,
  },
  sig: toBase64Url(filled(64, 9)),
}

const textOf = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
/** The JSON value a JSON message's bytes spell. */
export const jsonOf = (bytes: Uint8Array): unknown => JSON.parse(textOf(bytes))
