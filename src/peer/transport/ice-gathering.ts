import { describeIceError, readIceCandidateError } from './ice-errors.ts'

/** What a connection's ICE gathering ran into, so its failure can say why. */
export interface IceGatheringWatch {
  /** " (TURN refused the user name/password)" when STUN/TURN reported errors, else "". */
  errorSuffix(): string
  /**
   * Called if gathering ends with no candidate and a known cause (STUN/TURN errors, or relay-only
   * without TURN): nothing can connect, so there is no point waiting for the timeout.
   */
  onNoCandidates(listener: (reason: string) => void): void
}

/** Watches `pc`'s candidates and `icecandidateerror`s. */
export function watchIceGathering(
  pc: RTCPeerConnection,
  config: { iceServers: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy },
): IceGatheringWatch {
  const errors = new Set<string>()
  let candidates = 0
  let listener: ((reason: string) => void) | undefined
  pc.addEventListener('icecandidateerror', (event) => {
    const error = readIceCandidateError(event)
    if (error) errors.add(describeIceError(error))
  })
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate?.candidate) candidates++
    else if (!event.candidate && candidates === 0) {
      const reason = noCandidatesReason()
      if (reason) listener?.(reason)
    }
  })
  // Only a reason we can name: a connection may still succeed with no local candidate
  // reported here (seen with @roamhq/wrtc), so an unexplained empty gathering is not fatal.
  const noCandidatesReason = (): string | undefined => {
    const relayOnly = config.iceTransportPolicy === 'relay'
    const turn = config.iceServers.some((s) =>
      (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => u.startsWith('turn')),
    )
    if (errors.size > 0) return `no network path could be prepared: ${[...errors].join('; ')}`
    if (relayOnly && !turn) return 'relay-only is on but no TURN server is set'
    return undefined
  }
  return {
    errorSuffix: () => (errors.size > 0 ? ` (${[...errors].join('; ')})` : ''),
    onNoCandidates: (l) => void (listener = l),
  }
}
