import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import { describePipeContract } from '../contract/pipe-contract.ts'

describePipeContract('in-memory pipe pair', async () => createMemoryPipePair())
