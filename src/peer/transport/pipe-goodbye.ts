/**
 * How channel pipes end without touching a native channel that the peer closed.
 *
 * @roamhq/wrtc frees a data channel on its own thread when the channel closes, while sends and
 * reads run on the JavaScript thread: a send racing with a close the peer started can crash the
 * process (SIGSEGV in RTCDataChannel::Send). So an end that closes first says FIN, which the
 * peer answers with its own FIN and then never touches the channel again; only once that answer
 * came (or the channel closed, or GOODBYE_TIMEOUT_MS passed for a peer that does not answer)
 * is the channel or connection closed. Waiting a fixed time instead was not enough: on a busy
 * machine the peer's thread could take longer than that to read FIN, and kept sending.
 */
export const FIN = new TextEncoder().encode('\u0000peerplace-pipe-fin')

/** How long a closing end waits for the peer's answering FIN before it closes anyway. */
export const GOODBYE_TIMEOUT_MS = 3000

/** A pipe as its connection's closing sees it. */
export interface GoodbyePipe {
  /** Sends FIN if the channel is open; whether it was sent. */
  sayGoodbye(): boolean
  /** Marks the pipe closed because its connection is ending. */
  connectionClosed(reason: string): void
  /** Resolves once the peer sends nothing more on this pipe's channel. */
  readonly peerQuiet: Promise<void>
}

/**
 * The pipes of one connection, for ending it: each pipe is tracked from its creation until the
 * peer is quiet on its channel, so a connection waits for every channel it said FIN on. A pipe
 * is quiet only once it closed, so every open pipe is among those tracked; saying FIN to, or
 * closing, a pipe that already closed does nothing.
 */
export class ConnectionGoodbye {
  readonly #unquiet = new Set<GoodbyePipe>()
  #closed = false

  get closed(): boolean {
    return this.#closed
  }

  track(pipe: GoodbyePipe): void {
    this.#unquiet.add(pipe)
    void pipe.peerQuiet.then(() => this.#unquiet.delete(pipe))
  }

  /**
   * Ends the connection: FIN on each open pipe, every pipe marked closed, then `close` (of the
   * native connection) once the peer is quiet on every channel, or after GOODBYE_TIMEOUT_MS.
   * Nothing under the pipes is touched in between. Does nothing the second time.
   */
  end(reason: string, close: () => void): void {
    if (this.#closed) return
    const pipes = [...this.#unquiet]
    for (const pipe of pipes) pipe.sayGoodbye()
    this.#closed = true
    for (const pipe of pipes) pipe.connectionClosed(reason)
    afterQuiet(
      pipes.map((pipe) => pipe.peerQuiet),
      close,
    )
  }

  /** Marks every pipe closed at once: the connection is already gone under them. */
  lost(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    for (const pipe of [...this.#unquiet]) pipe.connectionClosed(reason)
  }
}

/** Runs `close` once every one of `quiet` resolved (at once if none is pending), or on timeout. */
export function afterQuiet(quiet: Promise<void>[], close: () => void): void {
  if (quiet.length === 0) return close()
  let done = false
  const once = () => {
    if (done) return
    done = true
    clearTimeout(timer)
    close()
  }
  const timer = setTimeout(once, GOODBYE_TIMEOUT_MS)
  void Promise.all(quiet).then(once)
}
