import { describe, expect, it } from 'vitest'
import { relayUrlFor } from '../../src/app/relay-url.ts'

describe('relayUrlFor', () => {
  it('uses ws: on http and wss: on https, on the same host and port', () => {
    expect(relayUrlFor('http://127.0.0.1:8787/some/page?x=1#y')).toBe('ws://127.0.0.1:8787/relay')
    expect(relayUrlFor('https://peerplace.example/')).toBe('wss://peerplace.example/relay')
  })

  it('takes another path', () => {
    expect(relayUrlFor('https://a.example:8443/', '/peerjs')).toBe('wss://a.example:8443/peerjs')
  })
})
