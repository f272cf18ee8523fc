import type { DataPipe } from '../../src/peer/transport/pipe.ts'

export interface PipeTap {
  pipe: DataPipe
  /** Every message the user of `pipe` sent, muted or not. */
  sent: Uint8Array[]
  /** While true, sends are recorded but not delivered: the peer hears silence. */
  muted: boolean
}

/** Wraps a pipe to watch or silence what goes out of it. */
export function tapPipe(inner: DataPipe): PipeTap {
  const tap: PipeTap = {
    sent: [],
    muted: false,
    pipe: {
      get isOpen() {
        return inner.isOpen
      },
      get bufferedAmount() {
        return inner.bufferedAmount
      },
      get maxMessageSize() {
        return inner.maxMessageSize
      },
      get fingerprints() {
        return inner.fingerprints
      },
      send(data) {
        tap.sent.push(data.slice())
        if (!tap.muted) inner.send(data)
      },
      on: (event, listener) => inner.on(event, listener),
      off: (event, listener) => inner.off(event, listener),
      openSideChannel: (label) => inner.openSideChannel(label),
      stats: () => inner.stats(),
      close: (reason) => inner.close(reason),
    },
  }
  return tap
}
