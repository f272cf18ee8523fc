import { describeIceError, readIceCandidateError } from './ice-errors.ts'

/** What one STUN/TURN entry gave a throwaway connection. */
export interface IceProbeResult {
  /** True when the entry gave what it is for: a relay for TURN, a reflexive address for STUN. */
  ok: boolean
  /** Candidate types gathered, e.g. ["host", "srflx", "relay"]. */
  types: string[]
  /** The errors the browser reported, in words. */
  errors: string[]
  /** One sentence for people. */
  summary: string
}

/**
 * Gathers candidates for `server` with a throwaway RTCPeerConnection and reports what came
 * back. It stops at the end of gathering or after `timeoutMs`.
 */
export async function probeIceServer(
  server: RTCIceServer,
  options: { RTCPeerConnection?: typeof RTCPeerConnection; timeoutMs?: number } = {},
): Promise<IceProbeResult> {
  const urls = Array.isArray(server.urls) ? server.urls : [server.urls]
  const turn = urls.some((u) => u.startsWith('turn'))
  const Pc = options.RTCPeerConnection ?? globalThis.RTCPeerConnection
  const types = new Set<string>()
  const errors: string[] = []
  let pc: RTCPeerConnection
  try {
    pc = new Pc({ iceServers: [server], iceTransportPolicy: turn ? 'relay' : 'all' })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, types: [], errors: [message], summary: `Not usable: ${message}` }
  }
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.timeoutMs ?? 10_000)
      pc.addEventListener('icecandidate', (event) => {
        const type = / typ (\w+)/.exec(event.candidate?.candidate ?? '')?.[1]
        if (type) types.add(type)
        if (!event.candidate) {
          clearTimeout(timer)
          resolve()
        }
      })
      pc.addEventListener('icecandidateerror', (event) => {
        const error = readIceCandidateError(event)
        if (error) errors.push(describeIceError(error))
      })
      pc.createDataChannel('probe')
      pc.createOffer()
        .then((offer) => pc.setLocalDescription(offer))
        .catch((error: unknown) => {
          errors.push(error instanceof Error ? error.message : String(error))
          clearTimeout(timer)
          resolve()
        })
    })
  } finally {
    pc.close()
  }
  const got = [...types]
  const ok = turn ? types.has('relay') : types.has('srflx') || types.has('relay')
  const uniqueErrors = [...new Set(errors)]
  let summary: string
  if (ok) {
    summary = turn
      ? 'Works: TURN gave a relay address.'
      : 'Works: STUN told this device its public address.'
  } else if (uniqueErrors.length > 0) summary = `Failed: ${uniqueErrors.join('; ')}.`
  else if (!turn && types.has('host')) {
    summary =
      'No public address came back: the server did not answer, or this device has no router between it and the server.'
  } else summary = 'Nothing came back within the time allowed.'
  return { ok, types: got, errors: uniqueErrors, summary }
}
