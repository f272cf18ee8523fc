import { describe, expect, it } from 'vitest'
import { loadSettings, saveSettings } from '../../src/app/settings.ts'
import { formValues, parseSettingsForm } from '../../src/ui/settings/settings-form.ts'

const base = {
  firstContact: 'relay' as const,
  peerjs: '',
  relays: '',
  iceServers: [],
  relayOnly: false,
}

function memoryStorage() {
  const map = new Map<string, string>()
  return {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
  }
}

describe('parseSettingsForm', () => {
  it('keeps relays in order without blanks or duplicates', () => {
    const parsed = parseSettingsForm({
      ...base,
      relays: ' wss://a.example/relay \n\nws://10.0.0.2:8787/relay\nwss://a.example/relay\n',
      iceServers: [],
    })
    expect(parsed.errors).toEqual([])
    expect(parsed.settings?.relays).toEqual(['wss://a.example/relay', 'ws://10.0.0.2:8787/relay'])
  })

  it('names the bad relay line', () => {
    const parsed = parseSettingsForm({ ...base, relays: 'wss://ok.example\nhttps://nope' })
    expect(parsed.settings).toBeNull()
    expect(parsed.errors).toEqual([
      'Relay line 2: "https://nope" is not a ws:// or wss:// address.',
    ])
  })

  it('reads STUN and TURN rows; TURN needs credentials', () => {
    const ok = parseSettingsForm({
      ...base,
      relays: '',
      iceServers: [
        { urls: 'stun:stun.example.org:3478', username: '', credential: '' },
        {
          urls: 'turn:turn.example.org:3478, turns:turn.example.org:5349',
          username: ' ann ',
          credential: 's3cret',
        },
        { urls: '  ', username: '', credential: '' },
      ],
    })
    expect(ok.errors).toEqual([])
    expect(ok.settings?.iceServers).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      {
        urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'],
        username: 'ann',
        credential: 's3cret',
      },
    ])
    const bad = parseSettingsForm({
      ...base,
      relays: '',
      iceServers: [
        { urls: 'turn:t.example', username: '', credential: '' },
        { urls: 'http://stun.example', username: '', credential: '' },
      ],
    })
    expect(bad.errors).toEqual([
      'Server 1: a TURN server needs a user name and a password.',
      'Server 2: http://stun.example should start with stun:, turn: or turns:.',
    ])
  })

  it('round-trips through stored settings and what the session loads', () => {
    const storage = memoryStorage()
    const values = {
      firstContact: 'both' as const,
      relays: 'wss://r1.example/relay\nwss://r2.example/relay',
      peerjs: 'https://broker.example/peerjs',
      iceServers: [{ urls: 'turn:t.example:3478', username: 'u', credential: 'p' }],
      relayOnly: true,
    }
    const parsed = parseSettingsForm(values)
    saveSettings(storage, parsed.settings!)
    const loaded = loadSettings(storage)
    expect(loaded).toEqual(parsed.settings)
    expect(formValues(loaded)).toEqual(values)
  })

  it('names a bad PeerJS broker address', () => {
    expect(
      parseSettingsForm({ ...base, firstContact: 'peerjs', peerjs: 'wss://x' }).errors,
    ).toEqual(['PeerJS broker: "wss://x" is not an http:// or https:// address.'])
    expect(parseSettingsForm({ ...base, firstContact: 'peerjs' }).settings).toEqual({
      firstContact: 'peerjs',
      relays: [],
      peerjs: '',
      iceServers: [],
      relayOnly: false,
    })
  })

  it('refuses more than eight relays', () => {
    const relays = Array.from({ length: 9 }, (_, i) => `wss://r${i}.example`).join('\n')
    expect(parseSettingsForm({ ...base, relays }).errors).toEqual(['At most 8 relays.'])
  })
})
