import type { ConnectionStatus } from '../app/shell-model.ts'

export interface SignalingWords {
  /** A stable key for styling and tests: 'connected', 'connecting', 'unanswered', 'offline'. */
  readonly key: string
  readonly label: string
  /** What it means and what to do, when there is something to do. */
  readonly detail?: string
}

/** The header's words for the first-contact signaling's state. */
export function signalingWords(
  status: Pick<ConnectionStatus, 'state' | 'unanswered' | 'endpointCount'>,
): SignalingWords {
  if (status.state === 'open') return { key: 'connected', label: 'Connected' }
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
