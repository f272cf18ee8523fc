import { fromPortError, type PortError } from './documents-worker-protocol.ts'

type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: PortError }

/** Calls sent across a port and waiting for their replies, matched by ID. */
export class PendingCalls {
  readonly #waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >()
  #next = 1

  /** Sends a call through `post` with a fresh ID; resolves with its reply's value. */
  call<T>(post: (id: number) => void): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject })
      post(id)
    })
  }

  settle(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id)
    if (!waiting) return
    this.#waiting.delete(reply.id)
    if (reply.ok) waiting.resolve(reply.value)
    else waiting.reject(fromPortError(reply.error))
  }

  /** Fails every call still waiting (the other end is gone). */
  failAll(error: Error): void {
    for (const { reject } of this.#waiting.values()) reject(error)
    this.#waiting.clear()
  }
}
