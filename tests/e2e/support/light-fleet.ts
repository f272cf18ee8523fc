import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FleetReply, FleetRequest, FromFleet, ToFleet } from './light-fleet-protocol.ts'

const HOST = fileURLToPath(new URL('./light-fleet-host.ts', import.meta.url))

/** The light members' process, driven from the test; every request has a deadline. */
export class LightFleetProcess {
  readonly #child: ChildProcess
  readonly #pending = new Map<
    number,
    { resolve: (reply: FleetReply) => void; reject: (error: Error) => void }
  >()
  #next = 0
  #exited = false

  constructor() {
    this.#child = fork(HOST, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
    this.#child.on('message', (message: FromFleet) => {
      const waiting = this.#pending.get(message.id)
      this.#pending.delete(message.id)
      if ('error' in message) waiting?.reject(new Error(`light members: ${message.error}`))
      else waiting?.resolve(message.reply)
    })
    this.#child.on('exit', (code) => {
      this.#exited = true
      for (const waiting of this.#pending.values()) {
        waiting.reject(new Error(`the light members' process exited (${code})`))
      }
      this.#pending.clear()
    })
  }

  /** Sends `request`; rejects saying what it asked if no answer came within `timeoutMs`. */
  ask<T extends FleetReply['t']>(
    request: FleetRequest,
    expect: T,
    timeoutMs = 30_000,
  ): Promise<Extract<FleetReply, { t: T }>> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`light members: no answer to "${request.t}" in ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer)
          if (reply.t === expect) resolve(reply as Extract<FleetReply, { t: T }>)
          else reject(new Error(`light members: "${reply.t}" to "${request.t}"`))
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      this.#child.send({ id, request } satisfies ToFleet)
    })
  }

  /** Lets the members close, then makes sure the process is gone. */
  async close(): Promise<void> {
    if (this.#exited) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
