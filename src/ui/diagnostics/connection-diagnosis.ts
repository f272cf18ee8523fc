/**
 * Plain-language readings of connection facts for the diagnostics screen: the path a link
 * takes (from ICE candidate types), and why a connection failed or dropped.
 */
import type { PipeStats } from '../../peer/transport/pipe.ts'
import type { SignalingState } from '../../peer/signaling/signaling.ts'

type PathKind = 'direct-local' | 'direct-nat' | 'relayed' | 'unknown'

export interface PathReading {
  kind: PathKind
  /** Short, e.g. "Direct (same network)". */
  label: string
  /** The candidate types of both ends, e.g. "host ↔ host". */
  detail: string
}

/** Direct unless either end of the selected candidate pair is a TURN relay. */
export function readPath(
  stats: Pick<PipeStats, 'localCandidateType' | 'remoteCandidateType'>,
): PathReading {
  const local = stats.localCandidateType
  const remote = stats.remoteCandidateType
  const detail = `${local ?? '?'} ↔ ${remote ?? '?'}`
  if (local === null && remote === null) {
    return { kind: 'unknown', label: 'Path not known yet', detail }
  }
  if (local === 'relay' || remote === 'relay') {
    return { kind: 'relayed', label: 'Relayed through a TURN server', detail }
  }
  if (local === 'host' && remote === 'host') {
    return { kind: 'direct-local', label: 'Direct (same network)', detail }
  }
  return { kind: 'direct-nat', label: 'Direct (through a router)', detail }
}

type FailureKind =
  | 'auth'
  | 'ice'
  | 'timeout'
  | 'silent'
  | 'closed-by-peer'
  | 'closed-here'
  | 'protocol'
  | 'dropped'
  | 'offline'
  | 'other'

export interface FailureReading {
  kind: FailureKind
  /** What happened, for people. */
  summary: string
  /** The raw reason, for those who want it. */
  detail: string
}

/**
 * Reads a 'link-down' reason of the mesh (`<LinkCloseReason>: <detail>` or a free text) or a
 * failed dial's error message.
 */
export function readFailure(reason: string): FailureReading {
  const text = reason.trim()
  const code = /^([a-z-]+)(:|$)/.exec(text)?.[1] ?? ''
  const lower = text.toLowerCase()
  const reading = (kind: FailureKind, summary: string): FailureReading => ({
    kind,
    summary,
    detail: text,
  })
  if (code === 'auth-failed' || /authenticat|signature|prove/.test(lower)) {
    return reading(
      'auth',
      'Authentication refused: one side could not prove it holds its peer ID’s key.',
    )
  }
  const ice = iceProblem(lower)
  if (ice) return reading('ice', ice)
  if (lower.startsWith('no route: the peer is not present')) {
    return reading(
      'offline',
      'Not online: the peer is not on the relay, nor reachable through another member, right now.',
    )
  }
  if (/silent for/.test(lower)) {
    return reading(
      'silent',
      'The connection went silent (its network path was lost); reconnecting when it returns.',
    )
  }
  if (code === 'timeout' || /timed? ?out|timeout/.test(lower)) {
    return reading(
      'timeout',
      'No route: the peer went silent or the connection attempt timed out (a firewall may block it; a TURN server can help).',
    )
  }
  if (code === 'remote-close') return reading('closed-by-peer', 'The peer closed the connection.')
  if (code === 'local-close') return reading('closed-here', 'This device closed the connection.')
  if (code === 'protocol-error') {
    return reading('protocol', 'The peer sent invalid data and was disconnected.')
  }
  if (code === 'pipe-closed' || /ice|connection failed|closed/.test(lower)) {
    return reading('dropped', 'The network path was lost (the connection dropped).')
  }
  return reading('other', text || 'Unknown reason.')
}

/** A STUN/TURN or relay-only problem in a failure text, as advice; undefined if none. */
function iceProblem(lower: string): string | undefined {
  if (lower.includes('turn refused the user name/password')) {
    return 'TURN refused the user name/password: check the TURN entry in Settings (its Test button tells), or ask whoever runs the server to check its TURN secret.'
  }
  if (lower.includes('relay-only is on but no turn server')) {
    return 'Relay-only is on but there is no TURN server: add one in Settings, or turn relay-only off.'
  }
  if (lower.includes('server unreachable')) {
    return 'The STUN/TURN server does not answer: check its address in Settings (Test), or try Pair a device on the same network.'
  }
  if (/turn (refused|rejected|is full|allows no more|does not offer)/.test(lower)) {
    return 'The TURN server refused to relay: check it in Settings (Test), or use another TURN server.'
  }
  if (lower.includes('no network path could be prepared')) {
    return 'No network path could be prepared: add a STUN/TURN server in Settings, or Pair a device.'
  }
  return undefined
}

/** Why a peer we want a link to has none, from what this device can see. */
export function readUnlinked(facts: {
  relayState: SignalingState
  relayEndpoint: string
  /** The peer is present on the first-contact signaling in a topic we share. */
  presentOnRelay: boolean
  /** Another member reaches it for us through the mesh. */
  reachableThroughMesh: boolean
  lastFailure: FailureReading | null
}): string {
  if (facts.reachableThroughMesh) return 'Reached through another member (no direct link).'
  // An 'offline' failure only repeats what presence says; the relay's state says more.
  if (facts.lastFailure && facts.lastFailure.kind !== 'offline') return facts.lastFailure.summary
  if (facts.relayState !== 'open') {
    return `Relay down: ${facts.relayEndpoint} cannot be reached, so new connections cannot be set up.`
  }
  if (!facts.presentOnRelay) return 'Not online: the peer is not on the relay right now.'
  return 'Connecting…'
}
