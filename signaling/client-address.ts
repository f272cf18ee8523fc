import type { IncomingMessage } from 'node:http'

/**
 * The client's network address. Behind a reverse proxy (`trustProxy`), the last entry of
 * X-Forwarded-For, the one our proxy appended; earlier entries are the client's own claims.
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for']
    const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')
    const last = list.map((entry) => entry.trim()).findLast((entry) => entry.length > 0)
    if (last) return last
  }
  return request.socket.remoteAddress ?? 'unknown'
}

/**
 * The room of the "nearby" topic for an address: devices behind one public address (one NAT)
 * share it, IPv6 devices share their /64 network, and every loopback or private address is one
 * group (they reach the server over its own LAN). The `|` keeps these apart from user topics.
 */
export function nearbyRoom(address: string): string {
  const ip = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
  if (isLocal(ip)) return 'nearby|local'
  if (ip.includes(':')) return `nearby|${ipv6Network(ip)}`
  return `nearby|${ip}`
}

/**
 * The group an address counts against for connection limits: an IPv4 address on its own, an
 * IPv6 address by its /64 network (one subscriber usually holds a whole /64).
 */
export function addressGroup(address: string): string {
  const ip = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
  return ip.includes(':') ? `${ipv6Network(ip)}::/64` : ip
}

function isLocal(ip: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(ip)
  if (v4) {
    const a = Number(v4[1])
    const b = Number(v4[2])
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    )
  }
  return ip === '::1' || /^f[cd]/.test(ip) || /^fe[89ab]/.test(ip)
}

/** The first four groups (the /64 network) of an IPv6 address, `::` expanded. */
function ipv6Network(ip: string): string {
  const [head = '', tail] = ip.split('%')[0]!.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const zeros =
    tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0')
  return [...left, ...zeros, ...right]
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')
}
