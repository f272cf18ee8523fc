import type { Emitter } from '../../src/lib/emitter.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  Signaling,
  SignalingEvents,
} from '../../src/peer/signaling/signaling.ts'

type Events = Record<string, unknown>

/** Resolves with the first `event` from a carrier or signaling that satisfies `where`. */
export function nextEvent<K extends keyof SignalCarrierEvents>(
  emitter: SignalCarrier,
  event: K,
  where?: (value: SignalCarrierEvents[K]) => boolean,
  timeoutMs?: number,
): Promise<SignalCarrierEvents[K]>
export function nextEvent<K extends keyof SignalingEvents>(
  emitter: Signaling,
  event: K,
  where?: (value: SignalingEvents[K]) => boolean,
  timeoutMs?: number,
): Promise<SignalingEvents[K]>
export function nextEvent(
  emitter: Pick<Emitter<Events>, 'on'>,
  event: string,
  where: (value: unknown) => boolean = () => true,
  timeoutMs = 5000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for "${String(event)}"`))
    }, timeoutMs)
    const off = emitter.on(event, (value) => {
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

/** Records the named events of a carrier or signaling, for assertions on what happened between. */
export function recordEvents<E extends Record<string, unknown>>(
  emitter: Pick<Emitter<E>, 'on'>,
  names: readonly (keyof E & string)[],
): { events: Array<{ event: string; value: unknown }> } {
  const record: { events: Array<{ event: string; value: unknown }> } = { events: [] }
  for (const event of names) emitter.on(event, (value) => record.events.push({ event, value }))
  return record
}
