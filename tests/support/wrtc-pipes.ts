import wrtc from '@roamhq/wrtc'
import {
  createSimplePeerPipe,
  type PendingPipe,
  type SimplePeerPipeOptions,
} from '../../src/peer/transport/simple-peer-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'

/** Two simple-peer pipes over @roamhq/wrtc on loopback, signals carried in process. */
export async function connectWrtcPipes(
  options: Partial<SimplePeerPipeOptions> = {},
): Promise<{ pipes: [DataPipe, DataPipe]; pending: [PendingPipe, PendingPipe] }> {
  const base = { iceServers: [], wrtc, ...options }
  const a = createSimplePeerPipe({ ...base, initiator: true })
  const b = createSimplePeerPipe({ ...base, initiator: false })
  a.onSignal((data) => b.signal(data))
  b.onSignal((data) => a.signal(data))
  const pipes = await Promise.all([a.pipe, b.pipe])
  return { pipes, pending: [a, b] }
}

/** Resolves with the next message of a pipe. */
export function nextMessage(pipe: DataPipe): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const off = pipe.on('message', (data) => {
      off()
      resolve(data)
    })
  })
}
