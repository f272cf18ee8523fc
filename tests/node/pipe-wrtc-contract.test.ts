import { describePipeContract } from '../contract/pipe-contract.ts'
import { connectWrtcPipes } from '../support/wrtc-pipes.ts'

describePipeContract(
  'simple-peer pipe over @roamhq/wrtc',
  async () => (await connectWrtcPipes()).pipes,
)
