import type { ConnectionStatus } from '../app/shell-model.ts'
import { failingBeside, type CarrierStatus } from '../peer/signaling/carrier-status.ts'

export interface SignalingWords {
  /**
   * A stable key for styling and tests: 'connected', 'degraded' (connected, but a carrier
   * fails), 'connecting', 'unanswered', 'offline'.
   */
  readonly key: string
  readonly label: string
  /** What it means and what to do, when there is something to do. */
  readonly detail?: string
}

/** The header's words for the first-contact signaling's state. */
export function signalingWords(
  status: Pick<ConnectionStatus, 'state' | 'unanswered' | 'endpointCount' | 'carriers'>,
): SignalingWords {
  if (status.state === 'open') {
    const failing = failingBeside(status.carriers ?? [])
    if (failing.length === 0) return { key: 'connected', label: 'Connected' }
    const names = failing.map(carrierName).join(' and ')
    const verb = failing.length === 1 ? 'does' : 'do'
    return {
      key: 'degraded',
      label: 'Partly connected',
      detail: `${capitalized(names)} ${verb} not answer (still trying); devices are met through the other server only. Device details says more.`,
    }
  }
  if (status.state === 'closed') return { key: 'offline', label: 'Offline' }
  if (!status.unanswered) return { key: 'connecting', label: 'Connecting…' }
  const count = status.endpointCount ?? 1
  const servers = count > 1 ? `None of the ${count} servers answers` : 'The server does not answer'
  return {
    key: 'unanswered',
    label: 'No server answers',
    detail: `${servers} (still trying). Devices linked already stay linked; to reach a workplace's members now, pair with one of their devices.`,
  }
}

/** A carrier's own state in words, for Device details. */
export function carrierStateWords(carrier: CarrierStatus): string {
  if (carrier.state === 'open') return 'open'
  if (carrier.state === 'closed') return 'closed'
  return carrier.failing ? 'not answering (still trying)' : 'connecting…'
}

/** A carrier as the header names it. */
export function carrierName(carrier: Pick<CarrierStatus, 'kind'>): string {
  if (carrier.kind === 'relay') return 'the relay'
  if (carrier.kind === 'peerjs') return 'the PeerJS broker'
  return `the ${carrier.kind} signaling`
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
