import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { relaySignalingHarness } from './relay-signaling-harness.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describeSignalingContract(
  'carrier connector over the relay',
  { presence: 'topic', absentPeerBoundMs: 2000, glare: 'one-pipe' },
  () => {
    let server: SignalingServer | undefined
    return relaySignalingHarness(
      async () => [(server ??= await createSignalingServer({ port: 0, logger: quiet })).relayUrl],
      async () => {
        await server?.close()
        server = undefined
      },
    )
  },
)
