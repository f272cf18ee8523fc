/**
 * The relay cluster bench's client hosts: clients held in child processes, probes timed there,
 * and failures that say which side gave out.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer } from '../../signaling/server.ts'
import { FleetError, startClientFleet, type ClientFleet } from '../../bench/relay-client-fleet.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fleetOf(hosts: number): Promise<ClientFleet> {
  const fleet = await startClientFleet(hosts)
  cleanups.push(() => fleet.close())
  return fleet
}

describe('relay client fleet', () => {
  it('holds clients over several processes and probes topic-mates on each', async () => {
    const limits = { maxConnectionsPerAddress: 1000, maxPendingPerAddress: 1000 }
    const server = await createSignalingServer({
      port: 0,
      peerjs: false,
      limits,
      logger: silentLogger,
    })
    cleanups.push(() => server.close())
    const fleet = await fleetOf(2)
    await fleet.growTo(40, () => server.relayUrl)
    expect(fleet.held).toBe(40)
    await fleet.growTo(60, () => server.relayUrl)
    expect(fleet.held).toBe(60)
    const p99 = await fleet.p99ForwardMs(20)
    expect(p99).toBeGreaterThan(0)
    expect(p99).toBeLessThan(10_000)
  }, 60_000)

  it('says the relay was the failure when it cannot be reached', async () => {
    const server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    const url = server.relayUrl
    await server.close()
    const fleet = await fleetOf(1)
    const failure = await fleet.growTo(10, () => url).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(FleetError)
    expect((failure as FleetError).side).toBe('relay')
    expect(fleet.held).toBe(0)
  }, 60_000)
})
