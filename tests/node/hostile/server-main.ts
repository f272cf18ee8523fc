/**
 * A signaling server in a process of its own, so hostile-client tests can measure its memory
 * apart from the clients'. Options arrive as JSON in PEERPLACE_TEST_SERVER; it reports its
 * address over IPC, answers "rss" with its resident set size, and exits on "close".
 */
import { silentLogger } from '../../../signaling/config.ts'
import { createSignalingServer, type SignalingServerOptions } from '../../../signaling/server.ts'

const options = JSON.parse(process.env.PEERPLACE_TEST_SERVER ?? '{}') as SignalingServerOptions
const server = await createSignalingServer({ ...options, port: 0, logger: silentLogger })
process.send?.({ type: 'ready', url: server.address.url, relayUrl: server.relayUrl })
process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') process.send?.({ type: 'rss', rss: process.memoryUsage().rss })
  if (message.type === 'close') void server.close().then(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
