import { MemoryBusNetwork } from '../../signaling/memory-bus.ts'
import type { RelayBus } from '../../signaling/relay-bus.ts'
import { relayBusContract } from '../contract/relay-bus-contract.ts'

let buses: RelayBus[] = []

relayBusContract('in-process', {
  create(count) {
    const network = new MemoryBusNetwork()
    buses = Array.from({ length: count }, () => network.bus())
    return Promise.resolve(buses)
  },
  async teardown() {
    await Promise.all(buses.splice(0).map((bus) => bus.close()))
  },
})
