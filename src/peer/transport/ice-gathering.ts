import { describeIceError, readIceCandidateError } from './ice-errors.ts'

/** What a connection's ICE gathering ran into, so its failure can say why. */
export interface IceGatheringWatch {
  /** " (TURN refused the user name/password)" when STUN/TURN reported errors, else "". */
  errorSuffix(): string
  /** Called once if gathering ends with no candidate at all: nothing could ever connect. */
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
    else if (!event.candidate && candidates === 0) listener?.(noCandidatesReason())
  })
  const noCandidatesReason = (): string => {
    const relayOnly = config.iceTransportPolicy === 'relay'
    const turn = config.iceServers.some((s) =>
      (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => u.startsWith('turn')),
    )
    if (errors.size > 0) return `no network path could be prepared: ${[...errors].join('; ')}`
    if (relayOnly && !turn) return 'relay-only is on but no TURN server is set'
    return 'no network path could be prepared (no ICE candidates)'
  }
  return {
    errorSuffix: () => (errors.size > 0 ? ` (${[...errors].join('; ')})` : ''),
    onNoCandidates: (l) => void (listener = l),
  }
}
