import type { PeerId } from '../../peer/ids.ts'
import type { Claim } from '../../peer/identity/record-proof.ts'
import type { Judge } from '../authorship/authorship.ts'
import type { RootDoc } from './root-doc.ts'

/**
 * What kind of device a member is, as it says itself. Only `always-on` (a keeper: a headless
 * member that stays online so the workplace is reachable while every browser is closed) exists
 * so far; a kind this version does not know reads as nothing, so later versions may add more.
 */
export const DEVICE_KINDS = ['always-on'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

/**
 * One member's device kind record in the root document (`devices/<peer>`): the kind, when it
 * was written (ms) and the member's own signature. Kept apart from `profiles` so the signed
 * display name stays what older versions verify; they ignore this field.
 */
export interface DeviceKindRecord {
  kind: string
  t: number
  s: string
}

export function deviceKindClaim(peer: PeerId, kind: string, at: number): Claim {
  return { doc: 'root', key: `devices/${peer}`, peer, content: kind, clock: at }
}

/** The member's device kind if its own device signed it and this version knows it. */
export function readDeviceKind(
  doc: RootDoc | undefined,
  peer: PeerId,
  judge: Judge,
): DeviceKind | undefined {
  const devices = doc?.devices
  const raw = devices && Object.hasOwn(devices, peer) ? devices[peer] : undefined
  if (typeof raw !== 'object' || raw === null) return undefined
  const { kind, t, s } = raw as Partial<DeviceKindRecord>
  if (typeof kind !== 'string' || typeof t !== 'number' || !Number.isFinite(t)) return undefined
  if (!(DEVICE_KINDS as readonly string[]).includes(kind)) return undefined
  if (judge(deviceKindClaim(peer, kind, t), s) !== 'genuine') return undefined
  return kind as DeviceKind
}
