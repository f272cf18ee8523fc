import { Emitter } from '../lib/emitter.ts'

const KEY = 'peerplace.files.quota'
const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3

export interface StorageEstimateView {
  usage: number
  quota: number
}

/**
 * How much space this device offers for workplace files (a setting, kept in localStorage),
 * next to what the browser says it may use (`navigator.storage.estimate()`). The replica plan
 * assigns files to a member only within its offer.
 */
export class StorageBudget extends Emitter<{ change: void }> {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | undefined
  readonly #estimate: (() => Promise<StorageEstimate>) | undefined
  #quota: number

  constructor(options: {
    storage?: Pick<Storage, 'getItem' | 'setItem'>
    estimate?: () => Promise<StorageEstimate>
    defaultQuota?: number
  }) {
    super()
    this.#storage = options.storage
    this.#estimate = options.estimate
    const saved = Number(options.storage?.getItem(KEY))
    this.#quota =
      Number.isSafeInteger(saved) && saved > 0
        ? saved
        : (options.defaultQuota ?? DEFAULT_QUOTA_BYTES)
  }

  quota(): number {
    return this.#quota
  }

  setQuota(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new RangeError('quota must be a byte count')
    this.#quota = bytes
    this.#storage?.setItem(KEY, String(bytes))
    this.emit('change', undefined)
  }

  async estimate(): Promise<StorageEstimateView | null> {
    try {
      const estimate = await this.#estimate?.()
      if (!estimate || typeof estimate.quota !== 'number') return null
      return { usage: estimate.usage ?? 0, quota: estimate.quota }
    } catch {
      return null
    }
  }
}
