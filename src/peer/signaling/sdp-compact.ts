/**
 * Shrinks the SDP of a data-channel-only WebRTC session to what the other side needs (ICE
 * ufrag and password, DTLS fingerprint and role, max message size, UDP candidates) and
 * rebuilds an equivalent SDP from it. Used for manual pairing, where the offer and the answer
 * travel as text or a QR code. `compactSdp` returns undefined for SDPs it cannot represent
 * (more than one m-line, other hash algorithms, ...); callers then fall back to deflate.
 */

export interface CompactSdp {
  ufrag: string
  pwd: string
  /** The 32 bytes of the SHA-256 DTLS certificate fingerprint. */
  fingerprint: Uint8Array
  setup: 'actpass' | 'active' | 'passive'
  maxMessageSize: number | undefined
  candidates: CompactCandidate[]
}

type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'

export interface CompactCandidate {
  type: CandidateType
  /** An IPv4 or IPv6 address, or a host name (mDNS `<uuid>.local`). */
  address: string
  port: number
}

const SETUPS = ['actpass', 'active', 'passive'] as const
const TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay']
const TYPE_PREFERENCE: Record<CandidateType, number> = {
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
}
const MAX_CANDIDATES = 16
const ICE_CHARS = /^[A-Za-z0-9+/]+$/

export function compactSdp(sdp: string): CompactSdp | undefined {
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0)
  const media = lines.filter((line) => line.startsWith('m='))
  if (
    media.length !== 1 ||
    !/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel$/.test(media[0]!)
  ) {
    return undefined
  }
  const attr = (name: string): string[] =>
    lines.filter((line) => line.startsWith(`a=${name}:`)).map((line) => line.slice(name.length + 3))
  const [ufrag] = attr('ice-ufrag')
  const [pwd] = attr('ice-pwd')
  const fingerprints = attr('fingerprint')
  const [setup] = attr('setup')
  const [mid] = attr('mid')
  const [sctpPort] = attr('sctp-port')
  const [maxMessage] = attr('max-message-size')
  if (!ufrag || !pwd || !ICE_CHARS.test(ufrag) || !ICE_CHARS.test(pwd)) return undefined
  if (ufrag.length > 255 || pwd.length > 255) return undefined
  if (fingerprints.length !== 1 || mid !== '0' || sctpPort !== '5000') return undefined
  const fingerprint = parseFingerprint(fingerprints[0]!)
  if (!fingerprint || !SETUPS.includes(setup as CompactSdp['setup'])) return undefined
  const maxMessageSize = maxMessage === undefined ? undefined : Number(maxMessage)
  if (
    maxMessageSize !== undefined &&
    !(Number.isSafeInteger(maxMessageSize) && maxMessageSize >= 0)
  ) {
    return undefined
  }
  const candidates: CompactCandidate[] = []
  for (const line of attr('candidate')) {
    const candidate = parseCandidate(line)
    if (candidate && candidates.length < MAX_CANDIDATES) candidates.push(candidate)
  }
  return {
    ufrag,
    pwd,
    fingerprint,
    setup: setup as CompactSdp['setup'],
    maxMessageSize,
    candidates,
  }
}

/** Rebuilds a complete SDP that WebRTC accepts as a remote description. */
export function expandSdp(compact: CompactSdp): string {
  const hex = [...compact.fingerprint].map((b) => b.toString(16).padStart(2, '0').toUpperCase())
  const lines = [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...compact.candidates.map(candidateLine),
    `a=ice-ufrag:${compact.ufrag}`,
    `a=ice-pwd:${compact.pwd}`,
    `a=fingerprint:sha-256 ${hex.join(':')}`,
    `a=setup:${compact.setup}`,
    'a=mid:0',
    'a=sctp-port:5000',
  ]
  if (compact.maxMessageSize !== undefined) {
    lines.push(`a=max-message-size:${compact.maxMessageSize}`)
  }
  return lines.join('\r\n') + '\r\n'
}

function candidateLine(candidate: CompactCandidate, index: number): string {
  const priority = TYPE_PREFERENCE[candidate.type] * 2 ** 24 + (65535 - index) * 2 ** 8 + (256 - 1)
  const related = candidate.type === 'host' ? '' : ' raddr 0.0.0.0 rport 0'
  return (
    `a=candidate:${index + 1} 1 udp ${priority} ${candidate.address} ${candidate.port} ` +
    `typ ${candidate.type}${related} generation 0`
  )
}

/** Reads a UDP candidate; TCP ones are dropped (UDP suffices wherever a direct path exists). */
function parseCandidate(line: string): CompactCandidate | undefined {
  const fields = line.split(' ')
  const [, component, protocol, , address, port, typ, type] = fields
  if (component !== '1' || protocol?.toLowerCase() !== 'udp' || typ !== 'typ') return undefined
  if (!TYPES.includes(type as CandidateType) || address === undefined) return undefined
  const portNumber = Number(port)
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return undefined
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(address)) return undefined
  return { type: type as CandidateType, address, port: portNumber }
}

function parseFingerprint(value: string): Uint8Array | undefined {
  const match = /^sha-256 ((?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$/.exec(value)
  if (!match) return undefined
  return Uint8Array.from(match[1]!.split(':'), (pair) => parseInt(pair, 16))
}

export { SETUPS as SDP_SETUPS, TYPES as CANDIDATE_TYPES }
