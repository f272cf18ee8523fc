/**
 * The lean clients of the relay cluster bench, spread over client host processes
 * (bench/relay-client-host.ts): a process holds one descriptor per client, and one process
 * holding every client of a cluster meets its open-file limit long before the relays do.
 * Client `index` is in topic `t<index / 10>`; topic t lives on host `t % hosts`, so a probe's
 * two topic-mates are on one host (one clock) while their relays may differ.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  isHostReply,
  type HostFailureSide,
  type HostReply,
  type HostRequest,
} from './relay-client-host-messages.ts'
import { p99, type ClientSpec } from './relay-load.ts'

/** Well under a process's usual 20,000 open files, with room for the process's own. */
export const MAX_CLIENTS_PER_HOST = 12_000
const READY_DEADLINE_MS = 30_000
/** An add may take this long plus ADD_MS_PER_CLIENT per client before it counts as hung. */
const ADD_DEADLINE_MS = 120_000
const ADD_MS_PER_CLIENT = 50
/** A probe's own deadline is 10 s per signal (relay-load.ts); this is the request's. */
const PROBE_DEADLINE_MS = 30_000
const PROBE_MS_PER_SAMPLE = 10_500
const HOST_FILE = fileURLToPath(new URL('./relay-client-host.ts', import.meta.url))

/** A step failed; `side` says whether the client hosts or the relays were the limit. */
export class FleetError extends Error {
  constructor(
    readonly side: HostFailureSide,
    message: string,
  ) {
    super(message)
    this.name = 'FleetError'
  }
}

interface Host {
  readonly index: number
  readonly child: ChildProcess
  held: number
  request(request: HostRequest, deadlineMs: number): Promise<HostReply>
}

export interface ClientFleet {
  readonly hosts: number
  /** Clients held over all hosts. */
  readonly held: number
  /** Adds clients until `count` are held; `relayOf` gives client `index`'s relay. */
  growTo(count: number, relayOf: (index: number) => string): Promise<void>
  /** p99 of `samples` round trips between topic-mates, over topics picked from every host. */
  p99ForwardMs(samples?: number): Promise<number>
  /** Kills every host process; resolves once they are gone. */
  close(): Promise<void>
}

export async function startClientFleet(hostCount: number): Promise<ClientFleet> {
  const children: ChildProcess[] = []
  const hosts: Host[] = []
  const close = async (): Promise<void> => {
    await Promise.all(children.map(kill))
  }
  try {
    for (let index = 0; index < hostCount; index++) {
      const child = fork(HOST_FILE, [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      children.push(child)
      hosts.push(await connect(index, child))
    }
  } catch (error) {
    await close()
    throw error
  }
  const held = (): number => hosts.reduce((sum, host) => sum + host.held, 0)

  const fail = (host: Host, reply: HostReply): never => {
    if (reply.type === 'failed') {
      host.held = reply.held
      throw new FleetError(reply.side, `client host ${host.index}: ${reply.message}`)
    }
    throw new FleetError('host', `client host ${host.index} answered ${reply.type}`)
  }

  return {
    hosts: hostCount,
    get held() {
      return held()
    },
    async growTo(count, relayOf) {
      const shares: ClientSpec[][] = hosts.map(() => [])
      for (let index = held(); index < count; index++) {
        const topic = Math.floor(index / 10)
        shares[topic % hostCount]!.push({ url: relayOf(index), topic: `t${topic}` })
      }
      hosts.forEach((host, i) => {
        if (host.held + shares[i]!.length > MAX_CLIENTS_PER_HOST) {
          throw new FleetError('client-limit', `${count} clients need more than ${hostCount} hosts`)
        }
      })
      const results = await Promise.allSettled(
        hosts.map(async (host, i) => {
          const clients = shares[i]!
          if (clients.length === 0) return
          const deadline = ADD_DEADLINE_MS + clients.length * ADD_MS_PER_CLIENT
          const reply = await host.request({ type: 'add', id: 0, clients }, deadline)
          if (reply.type !== 'added') fail(host, reply)
          else host.held = reply.held
        }),
      )
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
      if (failures.length === 0) return
      // A limit of the client hosts says more than what the relays did meanwhile.
      const first =
        failures.find((f) => f instanceof FleetError && f.side === 'client-limit') ?? failures[0]
      if (first instanceof FleetError) {
        const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)))
        throw new FleetError(first.side, messages.join('; '))
      }
      throw first instanceof Error ? first : new Error(String(first))
    },
    async p99ForwardMs(samples = 200) {
      // Topics picked uniformly over all full topics, then probed host by host (one in flight).
      const perHost = hosts.map(() => 0)
      const fullTopics = Math.floor(held() / 10)
      for (let i = 0; i < samples; i++) {
        perHost[Math.floor(Math.random() * fullTopics) % hostCount]!++
      }
      const times: number[] = []
      for (const host of hosts) {
        const n = perHost[host.index]!
        if (n === 0) continue
        const deadline = PROBE_DEADLINE_MS + n * PROBE_MS_PER_SAMPLE
        const reply = await host.request({ type: 'probe', id: 0, samples: n }, deadline)
        if (reply.type !== 'probed') fail(host, reply)
        else times.push(...reply.times)
      }
      return p99(times)
    },
    close,
  }
}

/** Waits for a host's `ready`; gives it a request function with deadlines and ids. */
async function connect(index: number, child: ChildProcess): Promise<Host> {
  let nextId = 1
  let gone: string | undefined
  const pending = new Map<number, { settle(reply: HostReply | Error): void }>()
  const ready = { settle: (_: HostReply | Error): void => {} }
  child.on('error', (error) => console.error(`[relay-cluster] client host ${index}: ${error}`))
  child.on('message', (message: unknown) => {
    if (!isHostReply(message)) {
      console.error(`[relay-cluster] client host ${index} sent ${JSON.stringify(message)}`)
      return
    }
    if (message.type === 'ready') ready.settle(message)
    else pending.get(message.id)?.settle(message)
  })
  child.once('exit', (code, signal) => {
    gone = `client host ${index} exited (${code ?? signal})`
    ready.settle(new FleetError('host', gone))
    for (const entry of pending.values()) entry.settle(new FleetError('host', gone))
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new FleetError('host', `client host ${index} not ready in ${READY_DEADLINE_MS} ms`)),
      READY_DEADLINE_MS,
    )
    ready.settle = (reply) => {
      clearTimeout(timer)
      if (reply instanceof Error) reject(reply)
      else resolve()
    }
  })
  return {
    index,
    child,
    held: 0,
    request(request, deadlineMs) {
      if (gone) return Promise.reject(new FleetError('host', gone))
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(
            new FleetError(
              'timeout',
              `client host ${index}: no reply to ${request.type} within ${deadlineMs} ms`,
            ),
          )
        }, deadlineMs)
        pending.set(id, {
          settle(reply) {
            clearTimeout(timer)
            pending.delete(id)
            if (reply instanceof Error) reject(reply)
            else resolve(reply)
          },
        })
        child.send({ ...request, id })
      })
    },
  }
}

/** SIGKILL: the host's sockets go with it. Resolves once the process is gone (or at 10 s). */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  child.kill('SIGKILL')
  await exited
}
