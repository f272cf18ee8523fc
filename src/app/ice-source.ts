import type { PeerId } from '../peer/ids.ts'
import { iceAnnouncementUrl, parseIceAnnouncement } from '../peer/signaling/ice-announcement.ts'
import type { LoadedSettings } from './settings.ts'

/** The ICE part of an RTCConfiguration, as each new connection should use it. */
interface IceConfig {
  iceServers: RTCIceServer[]
  iceTransportPolicy: RTCIceTransportPolicy
}

/** Where the ICE servers in use come from. */
type IceOrigin = 'settings' | 'server' | 'none'

/**
 * The ICE servers connections use: the device's own settings when it names any, else those
 * the server announces (fetched at start and again before their credentials expire).
 */
export interface IceSource {
  current(): IceConfig
  readonly origin: IceOrigin
  /** Why the server's announcement could not be read, if it could not. */
  readonly problem: string | undefined
  /** Settles once the first announcement has been fetched (or has failed). */
  readonly ready: Promise<void>
  close(): void
}

export interface IceSourceOptions {
  settings: Pick<LoadedSettings, 'iceServers' | 'relayOnly'>
  /** The server origin (http(s) or ws(s)) that announces ICE servers; undefined: none. */
  server: string | undefined
  peer: PeerId
  fetch?: typeof fetch
  /** A fetch that takes longer fails. Default 5 s. */
  timeoutMs?: number
}

/** Retry delay after a failed fetch: doubles from 30 s up to 10 min. */
const RETRY_MS = [30_000, 60_000, 120_000, 300_000, 600_000]

export function createIceSource(options: IceSourceOptions): IceSource {
  const own = options.settings.iceServers
  const policy: RTCIceTransportPolicy = options.settings.relayOnly ? 'relay' : 'all'
  let announced: RTCIceServer[] = []
  let problem: string | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let failures = 0
  let closed = false
  const doFetch = options.fetch ?? globalThis.fetch?.bind(globalThis)

  const refresh = async (): Promise<void> => {
    if (closed || !options.server || !doFetch) return
    const url = iceAnnouncementUrl(options.server, options.peer)
    let nextMs: number
    try {
      const response = await doFetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        cache: 'no-store',
      })
      if (!response.ok) throw new Error(`the server answered ${response.status}`)
      const parsed = parseIceAnnouncement(await response.json())
      if (typeof parsed === 'string') throw new Error(`a bad announcement: ${parsed}`)
      announced = parsed.iceServers
      problem = undefined
      failures = 0
      // Half the lifetime: credentials in use stay valid for at least as long again.
      nextMs = parsed.ttlSeconds > 0 ? (parsed.ttlSeconds * 1000) / 2 : 3_600_000
    } catch (error) {
      problem = `cannot read the server's STUN/TURN list: ${error instanceof Error ? error.message : String(error)}`
      nextMs = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!
    }
    if (!closed) timer = setTimeout(() => void refresh(), nextMs)
  }
  const ready = own.length > 0 ? Promise.resolve() : refresh()

  return {
    current: () => ({ iceServers: own.length > 0 ? own : announced, iceTransportPolicy: policy }),
    get origin(): IceOrigin {
      return own.length > 0 ? 'settings' : announced.length > 0 ? 'server' : 'none'
    },
    get problem() {
      return own.length > 0 ? undefined : problem
    },
    ready,
    close() {
      closed = true
      clearTimeout(timer)
    },
  }
}
