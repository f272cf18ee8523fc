import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { silentLogger } from '../../signaling/config.ts'
import { RelayProbe } from '../../src/app/relay-probe.ts'
import type { SignalingState } from '../../src/peer/signaling/signaling.ts'
import { createTestIdentity } from '../support/test-identity.ts'

function nextState(probe: RelayProbe, wanted: SignalingState): Promise<void> {
  if (probe.state === wanted) return Promise.resolve()
  return new Promise((resolve) => {
    const off = probe.on('state', (state) => {
      if (state !== wanted) return
      off()
      resolve()
    })
  })
}

describe('RelayProbe', () => {
  let server: SignalingServer | undefined
  let probe: RelayProbe | undefined

  afterEach(async () => {
    probe?.close()
    await server?.close()
  })

  it('authenticates with the relay, then reports it gone when the server stops', async () => {
    server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    probe = new RelayProbe({
      url: server.relayUrl,
      identity: await createTestIdentity(),
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      maxBackoffMs: 50,
    })
    const seen: SignalingState[] = []
    probe.on('state', (state) => seen.push(state))
    probe.start()
    await nextState(probe, 'open')
    expect(probe.endpoint).toBe(`relay ${server.relayUrl}`)

    await server.close()
    server = undefined
    await nextState(probe, 'closed')
    expect(seen.slice(0, 2)).toEqual(['open', 'closed'])
  })

  it('stays unauthenticated when the signature is wrong', async () => {
    server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    const identity = await createTestIdentity()
    probe = new RelayProbe({
      url: server.relayUrl,
      identity: { ...identity, sign: async () => new Uint8Array(64) },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      maxBackoffMs: 50,
    })
    const seen: SignalingState[] = []
    probe.on('state', (state) => seen.push(state))
    probe.start()
    await nextState(probe, 'closed')
    expect(seen).not.toContain('open')
  })
})
