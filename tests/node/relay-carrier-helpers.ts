import type { SignalCarrier, SignalCarrierEvents } from '../../src/peer/signaling/signaling.ts'

/** Resolves with the first `event` from `carrier` that satisfies `where`. */
export function nextEvent<K extends keyof SignalCarrierEvents>(
  carrier: Pick<SignalCarrier, 'on'>,
  event: K,
  where: (value: SignalCarrierEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<SignalCarrierEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for "${String(event)}"`))
    }, timeoutMs)
    const off = carrier.on(event, (value) => {
      if (!where(value)) return
      clearTimeout(timer)
      off()
      resolve(value)
    })
  })
}

/** Resolves once the carrier is in `state` (at once if it already is). */
export async function reachState(
  carrier: SignalCarrier,
  state: SignalCarrier['state'],
  timeoutMs = 5000,
): Promise<void> {
  if (carrier.state === state) return
  await nextEvent(carrier, 'state', (value) => value === state, timeoutMs)
}

/** Records every event of a carrier, for assertions on what happened in between. */
export function recordEvents(carrier: Pick<SignalCarrier, 'on'>): {
  events: Array<{ event: string; value: unknown }>
} {
  const record: { events: Array<{ event: string; value: unknown }> } = { events: [] }
  for (const event of ['state', 'peer-joined', 'peer-left', 'signal', 'error'] as const) {
    carrier.on(event, (value) => record.events.push({ event, value }))
  }
  return record
}
