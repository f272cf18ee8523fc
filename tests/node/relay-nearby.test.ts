import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientAddress, nearbyRoom } from '../../signaling/client-address.ts'

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage
}

describe('nearby grouping', () => {
  it('honours X-Forwarded-For only when told to trust the proxy, and takes its last entry', () => {
    const spoofed = request('10.0.0.1', '1.2.3.4, 203.0.113.9')
    expect(clientAddress(spoofed, false)).toBe('10.0.0.1')
    expect(clientAddress(spoofed, true)).toBe('203.0.113.9')
    expect(clientAddress(request('10.0.0.1'), true)).toBe('10.0.0.1')
  })

  it('groups one public IPv4 address, IPv4-mapped or not', () => {
    expect(nearbyRoom('::ffff:203.0.113.9')).toBe(nearbyRoom('203.0.113.9'))
    expect(nearbyRoom('203.0.113.9')).not.toBe(nearbyRoom('203.0.113.10'))
  })

  it('groups IPv6 devices by their /64 network', () => {
    const a = nearbyRoom('2001:db8:1:2:aaaa::1')
    expect(nearbyRoom('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe(a)
    expect(nearbyRoom('2001:db8:1:3::1')).not.toBe(a)
    expect(nearbyRoom('2001:db8::1')).toBe(nearbyRoom('2001:db8:0:0:ffff::2'))
  })

  it('puts loopback and private addresses in one local group', () => {
    const local = nearbyRoom('127.0.0.1')
    for (const address of ['::1', '192.168.1.20', '10.1.2.3', '172.20.0.5', 'fd00::5', 'fe80::1']) {
      expect(nearbyRoom(address)).toBe(local)
    }
    expect(nearbyRoom('172.32.0.1')).not.toBe(local)
  })

  it('never collides with a user topic', () => {
    expect(nearbyRoom('203.0.113.9')).toContain('|')
  })
})
