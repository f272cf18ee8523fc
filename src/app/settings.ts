/** How first contact with other devices is made; the mesh carries everything after it. */
export type FirstContact = 'relay' | 'peerjs' | 'both'

/**
 * What a person can change about how this device connects. The optional fields, when absent
 * from settings being saved, keep their stored values (so a form may edit only some).
 */
export interface ConnectionSettings {
  /**
   * The relays, the PeerJS broker, or both (the default: present on the relays and on the
   * broker at once, so a device that reaches only one of them still meets the members).
   */
  firstContact?: FirstContact
  /** Relay WebSocket URLs, in order of preference; empty means the app's own origin. */
  relays: string[]
  /** The PeerJS broker's URL (http: or https:); empty means the app origin's /peerjs. */
  peerjs?: string
  /** STUN/TURN servers; empty means those the server announces. */
  iceServers: RTCIceServer[]
  /** Connect only through TURN relays, so other members never learn this device's address. */
  relayOnly?: boolean
}

/** Settings as loaded: every field present. */
export type LoadedSettings = Required<ConnectionSettings>

/** Where settings are kept in localStorage (JSON of ConnectionSettings). */
export const SETTINGS_KEY = 'peerplace.connection-settings'

export function defaultSettings(): LoadedSettings {
  return { firstContact: 'both', relays: [], peerjs: '', iceServers: [], relayOnly: false }
}

/** Reads settings, dropping anything malformed (a bad value never stops the app starting). */
export function loadSettings(storage: Pick<Storage, 'getItem'>): LoadedSettings {
  try {
    return parseSettings(JSON.parse(storage.getItem(SETTINGS_KEY) ?? 'null'))
  } catch {
    return defaultSettings()
  }
}

/** The valid parts of `raw`; defaults for the rest. */
function parseSettings(raw: unknown): LoadedSettings {
  if (typeof raw !== 'object' || raw === null) return defaultSettings()
  const r = raw as Record<string, unknown>
  const relays = Array.isArray(r.relays) ? r.relays.filter(isRelayUrl) : []
  const iceServers = Array.isArray(r.iceServers)
    ? r.iceServers.filter(isIceServer).map((s) => ({ ...s }))
    : []
  return {
    firstContact: isFirstContact(r.firstContact) ? r.firstContact : 'both',
    relays: relays.slice(0, 8),
    peerjs: isBrokerUrl(r.peerjs) ? r.peerjs : '',
    iceServers: iceServers.slice(0, 8),
    relayOnly: r.relayOnly === true,
  }
}

/** Stores settings (absent optional fields keep their stored values); drops invalid parts. */
export function saveSettings(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  settings: ConnectionSettings,
): void {
  const merged = { ...loadSettings(storage), ...settings }
  storage.setItem(SETTINGS_KEY, JSON.stringify(parseSettings(merged)))
}

function isFirstContact(value: unknown): value is FirstContact {
  return value === 'relay' || value === 'peerjs' || value === 'both'
}

function isRelayUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && /^wss?:\/\/[^\s/]+\S*$/.test(value)
}

export function isBrokerUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && /^https?:\/\/[^\s/]+\S*$/.test(value)
}

function isIceServer(value: unknown): value is RTCIceServer {
  if (typeof value !== 'object' || value === null) return false
  const urls = (value as { urls?: unknown }).urls
  const list = Array.isArray(urls) ? urls : [urls]
  return (
    list.length > 0 && list.every((u) => typeof u === 'string' && /^(stun|turns?):\S+$/.test(u))
  )
}
