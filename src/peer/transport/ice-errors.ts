/** Words for `icecandidateerror` codes (STUN/TURN error codes, and 701 for "no answer"). */
function iceErrorText(code: number): string {
  switch (code) {
    case 401:
    case 441:
      return 'TURN refused the user name/password'
    case 403:
      return 'TURN refused this device (forbidden)'
    case 437:
    case 438:
      return 'TURN rejected a stale or mismatched allocation'
    case 442:
      return 'TURN does not offer this transport'
    case 486:
      return 'TURN allows no more allocations for this user'
    case 508:
      return 'TURN is full (insufficient capacity)'
    case 701:
      return 'server unreachable (no answer, or its name does not resolve)'
    default:
      return code >= 500 && code < 600
        ? `the STUN/TURN server failed (error ${code})`
        : `the STUN/TURN server refused (error ${code})`
  }
}

/** One `icecandidateerror`, as read from its event. */
export interface IceCandidateError {
  code: number
  url: string
  /** The browser's own text (e.g. "Unauthorized"). */
  text: string
}

/** Reads an `icecandidateerror` event's fields, if they are there. */
export function readIceCandidateError(event: Event): IceCandidateError | undefined {
  const e = event as Partial<RTCPeerConnectionIceErrorEvent>
  if (typeof e.errorCode !== 'number') return undefined
  return { code: e.errorCode, url: e.url ?? '', text: e.errorText ?? '' }
}

/** "turn:x.org:3478: TURN refused the user name/password (401)" */
export function describeIceError(error: IceCandidateError): string {
  return `${error.url ? `${error.url}: ` : ''}${iceErrorText(error.code)} (${error.code})`
}
