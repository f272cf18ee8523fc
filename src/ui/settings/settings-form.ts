import {
  isBrokerUrl,
  type ConnectionSettings,
  type FirstContact,
  type LoadedSettings,
} from '../../app/settings.ts'

/** One STUN/TURN server as the form edits it. */
export interface IceServerRow {
  /** One or more URLs separated by spaces or commas. */
  urls: string
  username: string
  credential: string
}

export interface SettingsFormValues {
  firstContact: FirstContact
  /** Relay WebSocket URLs, one per line. */
  relays: string
  /** The PeerJS broker's URL; empty for the app's own. */
  peerjs: string
  iceServers: IceServerRow[]
  /** Connect through TURN only (hides this device's address from other members). */
  relayOnly: boolean
}

const RELAY = /^wss?:\/\/[^\s/?#]+(\/\S*)?$/
const ICE = /^(stun|turns?):[^\s]+$/
const MAX_ENTRIES = 8

/** The form's starting values from stored settings. */
export function formValues(settings: LoadedSettings): SettingsFormValues {
  return {
    firstContact: settings.firstContact,
    relays: settings.relays.join('\n'),
    peerjs: settings.peerjs,
    iceServers: settings.iceServers.map((s) => ({
      urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).join(' '),
      username: s.username ?? '',
      credential: typeof s.credential === 'string' ? s.credential : '',
    })),
    relayOnly: settings.relayOnly,
  }
}

/**
 * Turns the form into settings, or lists what is wrong (each message names the line or row).
 * Blank lines and blank rows are ignored.
 */
export function parseSettingsForm(
  values: SettingsFormValues,
): { settings: ConnectionSettings; errors: [] } | { settings: null; errors: string[] } {
  const errors: string[] = []
  const relays: string[] = []
  values.relays.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    if (!RELAY.test(line)) {
      errors.push(`Relay line ${i + 1}: "${line}" is not a ws:// or wss:// address.`)
    } else if (!relays.includes(line)) relays.push(line)
  })
  if (relays.length > MAX_ENTRIES) errors.push(`At most ${MAX_ENTRIES} relays.`)
  const peerjs = values.peerjs.trim()
  if (peerjs && !isBrokerUrl(peerjs)) {
    errors.push(`PeerJS broker: "${peerjs}" is not an http:// or https:// address.`)
  }

  const iceServers: RTCIceServer[] = []
  values.iceServers.forEach((row, i) => {
    const server = parseIceRow(row, i)
    if (typeof server === 'string') errors.push(server)
    else if (server) iceServers.push(server)
  })
  if (iceServers.length > MAX_ENTRIES) errors.push(`At most ${MAX_ENTRIES} STUN/TURN servers.`)

  if (errors.length > 0) return { settings: null, errors }
  return {
    settings: {
      firstContact: values.firstContact,
      relays,
      peerjs,
      iceServers,
      relayOnly: values.relayOnly,
    },
    errors: [],
  }
}

/** One STUN/TURN row as an ICE server; null when blank; an error text naming the row. */
export function parseIceRow(row: IceServerRow, i: number): RTCIceServer | string | null {
  const urls = row.urls.split(/[\s,]+/).filter(Boolean)
  if (urls.length === 0) return null
  const bad = urls.filter((u) => !ICE.test(u))
  if (bad.length > 0) {
    return `Server ${i + 1}: ${bad.join(', ')} should start with stun:, turn: or turns:.`
  }
  const turn = urls.some((u) => u.startsWith('turn'))
  const username = row.username.trim()
  if (turn && (!username || !row.credential)) {
    return `Server ${i + 1}: a TURN server needs a user name and a password.`
  }
  return {
    urls: urls.length === 1 ? urls[0]! : urls,
    ...(username ? { username } : {}),
    ...(row.credential ? { credential: row.credential } : {}),
  }
}
