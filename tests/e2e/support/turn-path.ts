import { test } from '@playwright/test'
import { createSignalingServer, type SignalingServer } from '../../../signaling/server.ts'
import { startCoturn, type Coturn } from '../../support/coturn.ts'
import { startUdpPathProxy, type UdpPathProxy } from '../../support/udp-path-proxy.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** The app and relay of a spec file, whose TURN server is reached only through `proxy`. */
export interface TurnPath {
  /** The network path between the devices and TURN: cut it, or make it slow and lossy. */
  readonly proxy: UdpPathProxy
  readonly server: SignalingServer
}

/**
 * Starts, for the spec file, a coturn (TURN REST secret `secret`), a UDP forwarder in front of
 * it, and the app with its relay announcing that forwarder as the TURN server; all stop after
 * the file. Relay-only devices then have the forwarder as their only path to each other.
 */
export function useTurnPath(secret: string): TurnPath {
  let coturn: Coturn | undefined
  const started = {} as { proxy: UdpPathProxy; server: SignalingServer }
  test.beforeAll(async () => {
    coturn = await startCoturn(secret)
    started.proxy = await startUdpPathProxy(coturn.port)
    started.server = await createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      staticDir: 'dist',
      // Like `npm start`: the app's default first contact is the relay and this broker.
      peerjs: true,
      logger: quiet,
      ice: {
        turn: [`turn:127.0.0.1:${started.proxy.port}?transport=udp`],
        turnSecret: secret,
      },
    })
  })
  test.afterAll(async () => {
    await started.server?.close()
    await started.proxy?.close()
    await coturn?.stop()
  })
  return {
    get proxy() {
      return started.proxy
    },
    get server() {
      return started.server
    },
  }
}
