const FINGERPRINT = /^a=fingerprint:sha-256 ([0-9a-f]{2}(?::[0-9a-f]{2}){31})\s*$/gim

/**
 * The SHA-256 DTLS certificate fingerprint an SDP announces (session or media level), as
 * 64 lower-case hex digits. Throws when there is none: such a connection cannot be
 * authenticated. Several distinct certificates are joined, sorted, with ",".
 */
export function sdpFingerprint(sdp: string): string {
  const found = new Set<string>()
  for (const match of sdp.matchAll(FINGERPRINT)) {
    found.add((match[1] ?? '').replaceAll(':', '').toLowerCase())
  }
  if (found.size === 0) throw new Error('the SDP has no sha-256 DTLS fingerprint')
  return [...found].sort().join(',')
}
