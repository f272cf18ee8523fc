/**
 * A client host of the relay cluster bench (bench/relay-cluster.bench.ts forks it): holds its
 * share of the lean clients, whole topics of them, and probes signal round trips between
 * topic-mates it holds, so a probe is timed on one clock. Speaks only over IPC (see
 * relay-client-host-messages.ts); exits when the bench goes away.
 */
import { isHostRequest, type HostReply, type HostRequest } from './relay-client-host-messages.ts'
import {
  addClients,
  probeTimes,
  setupFailure,
  type ClientSpec,
  type LeanClient,
} from './relay-load.ts'

const clients: LeanClient[] = []
/** The members of each topic this host holds, in the order they were added. */
const topics = new Map<string, LeanClient[]>()

function send(reply: HostReply): void {
  process.send?.(reply)
}

async function add(specs: readonly ClientSpec[]): Promise<void> {
  const before = clients.length
  try {
    await addClients(clients, specs)
  } finally {
    for (const client of clients.slice(before)) {
      const members = topics.get(client.topic) ?? []
      members.push(client)
      topics.set(client.topic, members)
    }
  }
}

/** Topics picked at random among those of ten; the first member signals the second. */
function fullTopicPairs(): (() => [LeanClient, LeanClient]) | undefined {
  const full = [...topics.values()].filter((members) => members.length >= 10)
  if (full.length === 0) return undefined
  return () => {
    const members = full[Math.floor(Math.random() * full.length)]!
    return [members[0]!, members[1]!]
  }
}

async function handle(request: HostRequest): Promise<HostReply> {
  if (request.type === 'add') {
    try {
      await add(request.clients)
      return { type: 'added', id: request.id, held: clients.length }
    } catch (error) {
      const failure = setupFailure(error)
      return { ...failed(request.id, failure.message), side: failure.side }
    }
  }
  const pick = fullTopicPairs()
  if (!pick) return failed(request.id, 'no full topic to probe')
  try {
    return { type: 'probed', id: request.id, times: await probeTimes(pick, request.samples) }
  } catch (error) {
    // A signal between two held clients that did not arrive: the relays' doing.
    const message = error instanceof Error ? error.message : String(error)
    return { ...failed(request.id, message), side: 'relay' }
  }
}

function failed(id: number, message: string): HostReply & { type: 'failed' } {
  return { type: 'failed', id, side: 'host', message, held: clients.length }
}

// One request at a time, in order: the bench waits for each reply anyway.
let queue = Promise.resolve()
process.on('message', (message: unknown) => {
  if (!isHostRequest(message)) {
    const id = (message as { id?: unknown } | null)?.id
    send(failed(typeof id === 'number' ? id : 0, `bad request: ${JSON.stringify(message)}`))
    return
  }
  queue = queue.then(async () => send(await handle(message)))
})
// The bench is gone (or done): the sockets go with the process.
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })
