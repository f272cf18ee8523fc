import { describe, expect, it } from 'vitest'
import {
  defaultSettings,
  loadSettings,
  saveSettings,
  SETTINGS_KEY,
} from '../../src/app/settings.ts'

function memoryStorage(initial?: unknown) {
  const items = new Map<string, string>()
  if (initial !== undefined) items.set(SETTINGS_KEY, JSON.stringify(initial))
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    raw: () => items.get(SETTINGS_KEY),
  }
}

describe('connection settings', () => {
  it('defaults to the relay and the broker of the app origin, both at once', () => {
    expect(loadSettings(memoryStorage())).toEqual({
      firstContact: 'both',
      relays: [],
      peerjs: '',
      iceServers: [],
      relayOnly: false,
    })
    expect(defaultSettings().firstContact).toBe('both')
  })

  it('keeps valid choices and drops malformed ones', () => {
    const storage = memoryStorage({
      firstContact: 'both',
      relays: ['wss://relay.example/relay', 'http://not-a-relay', 42, 'ws://a b'],
      peerjs: 'https://broker.example/peerjs',
      iceServers: [{ urls: 'stun:stun.example:3478' }, { urls: 'http://x' }],
    })
    expect(loadSettings(storage)).toEqual({
      firstContact: 'both',
      relays: ['wss://relay.example/relay'],
      peerjs: 'https://broker.example/peerjs',
      iceServers: [{ urls: 'stun:stun.example:3478' }],
      relayOnly: false,
    })
    expect(
      loadSettings(memoryStorage({ firstContact: 'carrier-pigeon', peerjs: 'ftp://x' })),
    ).toMatchObject({ firstContact: 'both', peerjs: '' })
    expect(loadSettings({ getItem: () => '{not json' })).toEqual(defaultSettings())
  })

  it('saving some fields keeps the stored others', () => {
    const storage = memoryStorage({ firstContact: 'peerjs', peerjs: 'https://b.example/p' })
    saveSettings(storage, { relays: ['wss://r.example/relay'], iceServers: [] })
    expect(loadSettings(storage)).toEqual({
      firstContact: 'peerjs',
      relays: ['wss://r.example/relay'],
      peerjs: 'https://b.example/p',
      iceServers: [],
      relayOnly: false,
    })
    saveSettings(storage, { firstContact: 'both', relays: [], iceServers: [] })
    expect(loadSettings(storage).firstContact).toBe('both')
  })
})
