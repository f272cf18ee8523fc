/**
 * The IPC messages between the relay cluster bench and its client hosts
 * (bench/relay-client-host.ts): each host holds a share of the lean clients, so no one process
 * needs a descriptor per client of the whole cluster. Every request carries an id its reply
 * repeats; each side checks what it receives with the guards below.
 */
import type { ClientSpec, SetupFailureSide } from './relay-load.ts'

export type HostRequest =
  /** Sets these clients up; replies `added` or `failed`. */
  | { type: 'add'; id: number; clients: ClientSpec[] }
  /** Probes `samples` signal round trips between topic-mates; replies `probed` or `failed`. */
  | { type: 'probe'; id: number; samples: number }

/** `host`: the host itself went wrong (a bad request, a probe that found no topic). */
export type HostFailureSide = SetupFailureSide | 'host'

export type HostReply =
  | { type: 'ready' }
  | { type: 'added'; id: number; held: number }
  | { type: 'probed'; id: number; times: number[] }
  | { type: 'failed'; id: number; side: HostFailureSide; message: string; held: number }

const SIDES: readonly string[] = ['client-limit', 'relay', 'timeout', 'host']

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

function isSpec(value: unknown): value is ClientSpec {
  return isRecord(value) && typeof value.url === 'string' && typeof value.topic === 'string'
}

export function isHostRequest(value: unknown): value is HostRequest {
  if (!isRecord(value) || !isCount(value.id)) return false
  if (value.type === 'add') return Array.isArray(value.clients) && value.clients.every(isSpec)
  if (value.type === 'probe') return isCount(value.samples)
  return false
}

export function isHostReply(value: unknown): value is HostReply {
  if (!isRecord(value)) return false
  if (value.type === 'ready') return true
  if (!isCount(value.id)) return false
  if (value.type === 'added') return isCount(value.held)
  if (value.type === 'probed') {
    return Array.isArray(value.times) && value.times.every((t) => typeof t === 'number')
  }
  if (value.type === 'failed') {
    return (
      typeof value.side === 'string' &&
      SIDES.includes(value.side) &&
      typeof value.message === 'string' &&
      isCount(value.held)
    )
  }
  return false
}
