import { afterEach, describe, expect, it, vi } from 'vitest'
import { DirectPushes, DOCS_PUSH_LABEL } from '../../src/crdt/documents-worker/direct-pushes.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { until } from '../support/until.ts'
import { connectWrtcPipes, nextMessage } from '../support/wrtc-pipes.ts'

const ANN = 'ann' as PeerId
const BOB = 'bob' as PeerId

const open: { close(): void }[] = []
afterEach(async () => {
  for (const item of open.splice(0).reverse()) item.close()
  vi.restoreAllMocks()
  // FIN answered or timed out before the connections go (see pipe-goodbye.ts).
  await new Promise((resolve) => setTimeout(resolve, 200))
})

async function connected(): Promise<[DataPipe, DataPipe]> {
  const { pipes } = await connectWrtcPipes()
  open.push(...pipes.map((pipe) => ({ close: () => pipe.close('test over') })))
  return pipes
}

function pushes(received: [PeerId, string][], handshakeTimeoutMs?: number): DirectPushes {
  const direct = new DirectPushes({
    received: (from, data) => received.push([from, new TextDecoder().decode(data)]),
    ...(handshakeTimeoutMs ? { handshakeTimeoutMs } : {}),
  })
  open.push({ close: () => direct.closeAll() })
  return direct
}

describe('raw channels on a WebRTC connection, as lent to documents workers', () => {
  it('carry messages both ways once both ends made theirs, however late the second', async () => {
    const [a, b] = await connected()
    const atAnn: [PeerId, string][] = []
    const atBob: [PeerId, string][] = []
    const [ann, bob] = [pushes(atAnn), pushes(atBob)]
    ann.add(BOB, a.openRawChannel!(DOCS_PUSH_LABEL)!)
    // Bob's end comes later: what Ann's end sent before it existed is lost, so nothing is sent
    // before the handshake.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(ann.open()).toEqual([])
    bob.add(ANN, b.openRawChannel!(DOCS_PUSH_LABEL)!)
    await until(() => ann.open().length === 1 && bob.open().length === 1, 'the handshake', 5000)
    expect(ann.send([BOB], new TextEncoder().encode('to Bob'))).toEqual([BOB])
    expect(bob.send([ANN], new TextEncoder().encode('to Ann'))).toEqual([ANN])
    await until(() => atAnn.length === 1 && atBob.length === 1, 'both messages', 5000)
    expect(atBob).toEqual([[ANN, 'to Bob']])
    expect(atAnn).toEqual([[BOB, 'to Ann']])
  })

  it('gives a channel up when the peer never makes its end; the connection carries on', async () => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const [a, b] = await connected()
    const ann = pushes([], 500)
    ann.add(BOB, a.openRawChannel!(DOCS_PUSH_LABEL)!)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(ann.open()).toEqual([])
    expect(ann.send([BOB], new Uint8Array([1]))).toEqual([])
    const toB = nextMessage(b)
    a.send(new Uint8Array([7]))
    expect(await toB).toEqual(new Uint8Array([7]))
    // One raw channel per label and connection; the link's own side channels are unaffected.
    expect(a.openRawChannel!(DOCS_PUSH_LABEL)).toBeUndefined()
    const [bulk, bulkAtB] = await Promise.all([
      a.openSideChannel('bulk'),
      b.openSideChannel('bulk'),
    ])
    const onBulk = nextMessage(bulkAtB)
    bulk.send(new Uint8Array([8]))
    expect(await onBulk).toEqual(new Uint8Array([8]))
  })
})
