import { Emitter } from '../../src/peer/emitter.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { isPeerId, type PeerId } from '../../src/peer/ids.ts'
import type { Link, LinkEvents, LinkState } from '../../src/peer/link/link.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'

/**
 * A Link over a pipe that trusts the peer ID the other side claims (no signatures): a
 * stand-in for the real link layer in mesh unit tests. Frames: [channel length u8][channel][data].
 */
export function createFakeLink(args: {
  pipe: DataPipe
  identity: Identity
  expectedPeer?: PeerId
}): Promise<Link> {
  const { pipe, identity, expectedPeer } = args
  return new Promise((resolve, reject) => {
    const offMessage = pipe.on('message', (data) => {
      offMessage()
      offClose()
      const claimed = new TextDecoder().decode(data)
      if (!isPeerId(claimed) || (expectedPeer !== undefined && claimed !== expectedPeer)) {
        pipe.close('auth-failed')
        reject(new Error(`peer claimed ${claimed.slice(0, 40)}, expected ${expectedPeer}`))
        return
      }
      resolve(new FakeLink(pipe, claimed))
    })
    const offClose = pipe.on('close', () => reject(new Error('pipe closed during hello')))
    pipe.send(new TextEncoder().encode(identity.peerId))
  })
}

class FakeLink extends Emitter<LinkEvents> implements Link {
  readonly remote: PeerId
  readonly #pipe: DataPipe
  #state: LinkState = 'open'

  constructor(pipe: DataPipe, remote: PeerId) {
    super()
    this.remote = remote
    this.#pipe = pipe
    pipe.on('message', (frame) => {
      const length = frame[0] ?? 0
      const channel = new TextDecoder().decode(frame.subarray(1, 1 + length))
      this.emit('message', { channel, data: frame.slice(1 + length) })
    })
    pipe.on('close', () => this.#closed('pipe-closed', 'pipe closed'))
  }

  get state(): LinkState {
    return this.#state
  }

  get silentForMs(): number {
    return 0
  }

  send(channel: string, data: Uint8Array): void {
    if (this.#state !== 'open') throw new Error('link is closed')
    const name = new TextEncoder().encode(channel)
    const frame = new Uint8Array(1 + name.length + data.length)
    frame[0] = name.length
    frame.set(name, 1)
    frame.set(data, 1 + name.length)
    this.#pipe.send(frame)
  }

  sendBulk(channel: string, data: Uint8Array): Promise<void> {
    this.send(channel, data)
    return Promise.resolve()
  }

  stats() {
    return this.#pipe.stats()
  }

  close(reason = 'closed'): void {
    this.#closed('local-close', reason)
    this.#pipe.close(reason)
  }

  #closed(reason: LinkEvents['close']['reason'], detail: string): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.emit('close', { reason, detail })
  }
}
