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

/**
 * The local and remote fingerprints of a connection whose data channel just opened. The channel
 * can open before the page sees the remote description it applied (seen in Chromium under load:
 * "session descriptions are missing" on a link that was fine), so this waits for both
 * descriptions for up to `timeoutMs` before giving up.
 */
export async function connectionFingerprints(
  pc: Pick<RTCPeerConnection, 'localDescription' | 'remoteDescription' | 'signalingState'>,
  timeoutMs = 3000,
): Promise<{ local: string; remote: string }> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const local = pc.localDescription?.sdp
    const remote = pc.remoteDescription?.sdp
    if (local && remote) return { local: sdpFingerprint(local), remote: sdpFingerprint(remote) }
    if (performance.now() >= deadline || pc.signalingState === 'closed') {
      throw new Error('session descriptions are missing')
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
