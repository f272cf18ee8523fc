import { describe, expect, it } from 'vitest'
import { TabLock, type LockManagerLike } from '../../src/peer/identity/tab-lock.ts'
import { waitFor } from '../support/fake-mesh-network.ts'

const abortError = (message: string) => Object.assign(new Error(message), { name: 'AbortError' })

/** One exclusive lock with the Web Locks semantics TabLock relies on. */
class FakeLocks implements LockManagerLike {
  #holder: { reject(error: Error): void } | undefined
  readonly #queue: (() => void)[] = []

  request(
    _name: string,
    options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        const entry = { reject }
        this.#holder = entry
        void callback({}).then((value) => {
          if (this.#holder !== entry) return
          this.#holder = undefined
          resolve(value)
          this.#queue.shift()?.()
        })
      }
      if (options.steal) {
        const old = this.#holder
        grant()
        old?.reject(abortError('the lock was stolen'))
      } else if (!this.#holder) grant()
      else if (options.ifAvailable) void callback(null).then(resolve, reject)
      else {
        this.#queue.push(grant)
        options.signal?.addEventListener('abort', () => {
          const i = this.#queue.indexOf(grant)
          if (i >= 0) this.#queue.splice(i, 1)
          reject(abortError('aborted'))
        })
      }
    })
  }
}

describe('tab lock', () => {
  it('one tab is active; another stands by, takes over, and the first takes back on close', async () => {
    const locks = new FakeLocks()
    const first = new TabLock({ locks, name: 'net' })
    await first.ready
    const second = new TabLock({ locks, name: 'net' })
    await second.ready
    expect([first.active, second.active]).toEqual([true, false])
    const changes: string[] = []
    first.on('change', ({ active }) => changes.push(`first ${active}`))
    second.on('change', ({ active }) => changes.push(`second ${active}`))

    await second.takeOver()
    await waitFor('the first stops', () => !first.active)
    expect(second.active).toBe(true)
    expect(changes).toEqual(['second true', 'first false'])

    second.close()
    await waitFor('the first is back', () => first.active)
    expect(second.active).toBe(false)
    await expect(second.takeOver()).rejects.toThrow(/closed/)
    first.close()
  })

  it('without the Web Locks API every tab is active', async () => {
    const lock = new TabLock({ locks: undefined, name: 'net' })
    await lock.ready
    expect(lock.active).toBe(true)
    await lock.takeOver()
    expect(lock.active).toBe(true)
  })
})
