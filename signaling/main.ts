/**
 * The relay as a program: `tsx signaling/main.ts [--serve-app] [--port N] [--host H]
 * [--trust-proxy] [--connect-src "wss://relay.example https://broker.example"] [ICE flags, see
 * ice-cli.ts] [--https] [--redis redis://host:6379]`. PORT, HOST, TRUST_PROXY=1, CONNECT_SRC and
 * REDIS_URL work too. --connect-src pins the app's CSP connect-src to its own origin plus these
 * sources. With Redis, several instances share their topics (README: self-hosting). With --serve-app it also serves
 * the built app (building it first if dist/ has none), so one origin holds app, relay and broker.
 * It answers STUN itself and announces the ICE servers to the app.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ICE_CLI_OPTIONS, setUpIce } from './ice-cli.ts'
import { lanAddresses, loadOrCreateLanTls } from './lan-tls.ts'
import { PEERJS_PATH, createSignalingServer } from './server.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'serve-app': { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      'connect-src': { type: 'string' },
      ...ICE_CLI_OPTIONS,
      https: { type: 'boolean', default: false },
      redis: { type: 'string' },
    },
  })
  const port = Number(values.port ?? process.env.PORT ?? 8787)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port: ${port}`)
  const https = values.https || process.env.HTTPS === '1'
  // HTTPS is for phones on the LAN: listen on every interface unless told otherwise.
  const host = values.host ?? process.env.HOST ?? (https ? '0.0.0.0' : '127.0.0.1')
  const trustProxy = values['trust-proxy'] || process.env.TRUST_PROXY === '1'
  const connectSrc = values['connect-src'] ?? process.env.CONNECT_SRC
  const redisUrl = values.redis ?? process.env.REDIS_URL
  const connectSources = connectSrc?.split(/\s+/).filter((source) => source.length > 0)

  let staticDir: string | undefined
  if (values['serve-app']) {
    staticDir = join(root, 'dist')
    if (!existsSync(join(staticDir, 'index.html'))) await buildApp()
  }

  const ice = await setUpIce(values, process.env, host)
  const tls = https
    ? await loadOrCreateLanTls(join(root, '.peerplace-tls'), lanAddresses())
    : undefined
  const server = await createSignalingServer({
    port,
    host,
    trustProxy,
    ice: ice.options,
    ...(tls ? { tls } : {}),
    ...(staticDir ? { staticDir } : {}),
    ...(connectSources ? { connectSources } : {}),
    ...(redisUrl ? { redisUrl } : {}),
  })
  const { url } = server.address
  const relay = server.relayUrl
  const what = staticDir ? 'Peerplace is running' : 'Peerplace relay is running'
  console.info(`${what} at ${url} (relay ${relay}, PeerJS broker ${PEERJS_PATH})`)
  for (const line of ice.summary) console.info(line)
  if (redisUrl) console.info('Sharing topics with other instances through Redis')
  if (tls) {
    for (const address of lanAddresses())
      console.info(`On the LAN: https://${address}:${server.address.port}/`)
    const lan = lanAddresses()[0]
    const base = lan ? `https://${lan}:${server.address.port}/` : url
    console.info(`Trust this CA on a phone: ${base}peerplace-ca.crt (README: "HTTPS on the LAN")`)
    console.info(`CA certificate SHA-256: ${tls.caFingerprint}`)
  }

  const stop = (): void => {
    console.info('Shutting down…')
    // The embedded PeerJS broker keeps timers of its own: exit once our sockets are closed.
    void Promise.all([server.close(), ice.responder?.close()]).then(() => process.exit(0))
    setTimeout(() => process.exit(1), 5000).unref()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** Runs the project's own `vite build`. */
function buildApp(): Promise<void> {
  console.info('No build in dist/ yet: running vite build…')
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with code ${code}`)),
    )
  })
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
