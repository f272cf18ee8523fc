import { Emitter } from '../../lib/emitter.ts'

/** The part of the Web Locks API (`navigator.locks`) the tab lock uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
}

export interface TabLockEvents extends Record<string, unknown> {
  change: { active: boolean }
}

export interface TabLockOptions {
  /** `navigator.locks`; without it every tab is active (nothing to coordinate with). */
  locks?: LockManagerLike | undefined
  /** One lock per device identity. */
  name: string
}

/**
 * Which tab of this browser runs the device's network. Tabs share the identity, and a second
 * relay connection with the same peer ID replaces the first, so only one tab may connect: the
 * one holding an exclusive Web Lock. The others wait in the lock's queue (the next one takes
 * over when the active tab closes) or take over at once with `takeOver()` (the lock is stolen:
 * the active tab hears it and stops).
 */
export class TabLock extends Emitter<TabLockEvents> {
  /** Resolves once this tab knows whether it is active. */
  readonly ready: Promise<void>
  readonly #locks: LockManagerLike | undefined
  readonly #name: string
  #active = false
  #release: (() => void) | undefined
  #queued: AbortController | undefined
  #closed = false

  constructor(options: TabLockOptions) {
    super()
    this.#locks = options.locks
    this.#name = options.name
    if (!this.#locks) {
      this.#active = true
      this.ready = Promise.resolve()
      return
    }
    this.ready = this.#claim({ ifAvailable: true }).then((granted) => {
      if (!granted) this.#queue()
    })
  }

  /** Whether this tab runs the network. */
  get active(): boolean {
    return this.#active
  }

  /** Makes this tab the active one, stopping the network of the tab that was. */
  async takeOver(): Promise<void> {
    if (this.#closed) throw new Error('this tab has closed its session')
    if (this.#active) return
    this.#queued?.abort()
    this.#queued = undefined
    await this.#claim({ steal: true })
  }

  /** Gives the lock up (the next waiting tab takes over) and stops waiting for it. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queued?.abort()
    this.#release?.()
    this.#setActive(false)
    this.removeAllListeners()
  }

  /** Requests the lock; resolves true once held, false if not available (ifAvailable). */
  #claim(options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal }) {
    return new Promise<boolean>((resolve, reject) => {
      // Only the request that got the lock may end this tab's turn when it settles.
      let granted = false
      const held = this.#locks!.request(this.#name, options, (lock) => {
        if (!lock || this.#closed) {
          resolve(false)
          return Promise.resolve()
        }
        granted = true
        resolve(true)
        this.#setActive(true)
        return new Promise<void>((release) => (this.#release = release))
      })
      held.then(
        () => granted && this.#lost(),
        (error: unknown) => {
          const aborted = error instanceof Error && error.name === 'AbortError'
          if (granted) return this.#lost() // stolen by another tab
          if (!aborted) console.warn(`tab lock: ${String(error)}`)
          if (aborted) resolve(false)
          else reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  #lost(): void {
    this.#release = undefined
    if (!this.#active) return
    this.#setActive(false)
    this.#queue()
  }

  /** Waits in line: becomes active when the tab holding the lock closes or releases it. */
  #queue(): void {
    if (this.#closed || this.#queued) return
    const controller = new AbortController()
    this.#queued = controller
    void this.#claim({ signal: controller.signal }).finally(() => {
      if (this.#queued === controller) this.#queued = undefined
    })
  }

  #setActive(active: boolean): void {
    if (this.#active === active) return
    this.#active = active
    this.emit('change', { active })
  }
}
