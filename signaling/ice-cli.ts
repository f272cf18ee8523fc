/**
 * The command line's ICE part: `--stun URL` and `--turn URL` (repeatable or comma-separated),
 * `--turn-secret S`, `--turn-ttl SECONDS`, `--stun-port N` (the built-in STUN responder's UDP
 * port, default 3478; "off" disables it). Environment: STUN_URLS, TURN_URLS, TURN_SECRET,
 * TURN_TTL, STUN_PORT.
 */
import type { IceOptions } from './ice-announcer.ts'
import { startStunResponder, type StunResponder } from './stun-responder.ts'

export const ICE_CLI_OPTIONS = {
  stun: { type: 'string', multiple: true },
  turn: { type: 'string', multiple: true },
  'turn-secret': { type: 'string' },
  'turn-ttl': { type: 'string' },
  'stun-port': { type: 'string' },
} as const

export interface IceCliValues {
  stun?: string[] | undefined
  turn?: string[] | undefined
  'turn-secret'?: string | undefined
  'turn-ttl'?: string | undefined
  'stun-port'?: string | undefined
}

const DEFAULT_STUN_PORT = 3478

export interface IceSetup {
  options: IceOptions
  /** The built-in responder, when it runs. */
  responder?: StunResponder
  /** Lines saying what is announced, for the start-up message. */
  summary: string[]
}

/** Reads the ICE flags and variables and starts the STUN responder unless other STUN is named. */
export async function setUpIce(
  values: IceCliValues,
  env: NodeJS.ProcessEnv,
  host: string,
): Promise<IceSetup> {
  const stun = urlList(values.stun, env.STUN_URLS, /^stun:/)
  const turn = urlList(values.turn, env.TURN_URLS, /^turns?:/)
  const turnSecret = values['turn-secret'] ?? env.TURN_SECRET
  const ttlText = values['turn-ttl'] ?? env.TURN_TTL
  const turnTtlSeconds = ttlText === undefined ? undefined : Number(ttlText)
  if (turnTtlSeconds !== undefined && !(Number.isInteger(turnTtlSeconds) && turnTtlSeconds >= 60)) {
    throw new Error(`bad --turn-ttl: ${ttlText} (whole seconds, at least 60)`)
  }
  if (turn.length > 0 && !turnSecret) {
    throw new Error("--turn needs --turn-secret (the TURN server's static-auth-secret)")
  }
  const options: IceOptions = {
    stun,
    turn,
    ...(turnSecret ? { turnSecret } : {}),
    ...(turnTtlSeconds !== undefined ? { turnTtlSeconds } : {}),
  }
  const summary: string[] = []
  const portText = values['stun-port'] ?? env.STUN_PORT
  let responder: StunResponder | undefined
  if (stun.length > 0) summary.push(`STUN announced: ${stun.join(', ')}`)
  else if (portText !== 'off') {
    const port = portText === undefined ? DEFAULT_STUN_PORT : Number(portText)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`bad --stun-port: ${portText}`)
    }
    responder = await startStunResponder({ port, host })
    options.stunPort = responder.port
    summary.push(`STUN answered on udp ${host}:${responder.port}`)
  }
  if (turn.length > 0)
    summary.push(`TURN announced with per-device credentials: ${turn.join(', ')}`)
  return { options, ...(responder ? { responder } : {}), summary }
}

function urlList(flags: string[] | undefined, env: string | undefined, scheme: RegExp): string[] {
  const items = (flags ?? (env ? [env] : [])).flatMap((item) => item.split(','))
  const urls = items.map((item) => item.trim()).filter(Boolean)
  for (const url of urls) {
    if (!scheme.test(url) || /\s/.test(url)) throw new Error(`bad ICE server URL: ${url}`)
  }
  return urls
}
