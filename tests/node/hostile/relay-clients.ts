import { expect } from 'vitest'
import { RelayTestClient } from '../relay-test-client.ts'

/** Clients opened by a test, to close when it ends. */
export class ClientPool {
  readonly #clients: RelayTestClient[] = []

  constructor(readonly relayUrl: string) {}

  async connect(): Promise<RelayTestClient> {
    const client = await RelayTestClient.connect(this.relayUrl)
    this.#clients.push(client)
    return client
  }

  /** `count` connected clients that have all joined `topic` (opened a batch at a time). */
  async joined(topic: string, count: number, batch = 20): Promise<RelayTestClient[]> {
    const members: RelayTestClient[] = []
    while (members.length < count) {
      const size = Math.min(batch, count - members.length)
      const next = await Promise.all(
        Array.from({ length: size }, async () => {
          const client = await this.connect()
          client.send({ type: 'join', topic })
          await client.next('peers', (m) => m.topic === topic)
          return client
        }),
      )
      members.push(...next)
    }
    return members
  }

  closeAll(): void {
    for (const client of this.#clients.splice(0)) client.close()
  }
}

/** The server still answers HTTP and still forwards a signal between a fresh pair. */
export async function stillServing(pool: ClientPool, httpUrl: string): Promise<void> {
  const health = await fetch(new URL('/healthz', httpUrl))
  expect(health.status).toBe(200)
  const [a, b] = await pool.joined(`bystanders-${Math.random().toString(36).slice(2)}`, 2)
  a!.send({ type: 'signal', to: b!.peerId, data: { still: 'here' } })
  const signal = await b!.next('signal').catch((error: Error) => {
    throw new Error(`${error.message}; the sender got ${JSON.stringify(a!.received)}`)
  })
  expect(signal.data).toEqual({ still: 'here' })
}

export const MB = 1024 * 1024

/** Runs `tick` every `everyMs` for `forMs`, and samples `measure` along the way; the peak. */
export async function sustain(
  forMs: number,
  everyMs: number,
  tick: () => void,
  measure: () => Promise<number>,
): Promise<number> {
  let peak = 0
  const timer = setInterval(tick, everyMs)
  const end = Date.now() + forMs
  try {
    while (Date.now() < end) {
      peak = Math.max(peak, await measure())
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  } finally {
    clearInterval(timer)
  }
  return Math.max(peak, await measure())
}
