/** What a person can change about how this device connects. */
export interface ConnectionSettings {
  /** Relay WebSocket URLs, in order of preference; empty means the app's own origin. */
  relays: string[]
  /** STUN/TURN servers. None by default: direct and LAN connections need none. */
  iceServers: RTCIceServer[]
}

const KEY = 'peerplace.connection-settings'

export function defaultSettings(): ConnectionSettings {
  return { relays: [], iceServers: [] }
}

/** Reads settings, dropping anything malformed (a bad value never stops the app starting). */
export function loadSettings(storage: Pick<Storage, 'getItem'>): ConnectionSettings {
  try {
    const raw: unknown = JSON.parse(storage.getItem(KEY) ?? 'null')
    if (typeof raw !== 'object' || raw === null) return defaultSettings()
    const r = raw as Record<string, unknown>
    const relays = Array.isArray(r.relays)
      ? r.relays.filter((u): u is string => typeof u === 'string' && /^wss?:\/\/\S+$/.test(u))
      : []
    const iceServers = Array.isArray(r.iceServers)
      ? r.iceServers.filter(isIceServer).map((s) => ({ ...s }))
      : []
    return { relays: relays.slice(0, 8), iceServers: iceServers.slice(0, 8) }
  } catch {
    return defaultSettings()
  }
}

export function saveSettings(
  storage: Pick<Storage, 'setItem'>,
  settings: ConnectionSettings,
): void {
  storage.setItem(KEY, JSON.stringify(settings))
}

function isIceServer(value: unknown): value is RTCIceServer {
  if (typeof value !== 'object' || value === null) return false
  const urls = (value as { urls?: unknown }).urls
  const list = Array.isArray(urls) ? urls : [urls]
  return (
    list.length > 0 && list.every((u) => typeof u === 'string' && /^(stun|turns?):\S+$/.test(u))
  )
}
