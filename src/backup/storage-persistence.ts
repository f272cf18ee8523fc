import { Emitter } from '../lib/emitter.ts'

/** The moments worth asking the browser to keep this site's data. */
export type PersistTrigger = 'workplace' | 'install' | 'file' | 'person'

/** What the device details show about storage. */
export interface PersistenceView {
  /** Whether the browser has the Storage API's persist() at all. */
  readonly supported: boolean
  /** Whether the data is kept until the person clears it (null: not known yet). */
  readonly persisted: boolean | null
  /** Whether a request was made and refused (the browser decides; it may grant later). */
  readonly refused: boolean
  readonly usage: number | null
  readonly quota: number | null
}

/** The part of `navigator.storage` used here. */
export type StorageManagerLike = Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>

const ASKED_KEY = 'peerplace.storage.persist-asked'
/** Above this share of the quota, unpersisted data is at real risk of eviction. */
const FILLING_RATIO = 0.8

/**
 * Asks the browser to keep Peerplace's data (navigator.storage.persist()) at the moments it
 * matters (first workplace, install, first file), once per moment so browsers that ask the
 * person are not nagging, and reports the outcome and the space used.
 */
export class StoragePersistence extends Emitter<{ change: PersistenceView }> {
  readonly #manager: StorageManagerLike | undefined
  readonly #memory: Pick<Storage, 'getItem' | 'setItem'>
  #view: PersistenceView

  constructor(options: {
    manager?: StorageManagerLike | undefined
    memory: Pick<Storage, 'getItem' | 'setItem'>
  }) {
    super()
    this.#manager = options.manager
    this.#memory = options.memory
    this.#view = {
      supported: typeof options.manager?.persist === 'function',
      persisted: null,
      refused: false,
      usage: null,
      quota: null,
    }
  }

  get view(): PersistenceView {
    return this.#view
  }

  /** Reads the current persistence state and estimate. */
  async refresh(): Promise<PersistenceView> {
    const manager = this.#manager
    if (!manager) return this.#view
    const [persisted, estimate] = await Promise.all([
      manager.persisted?.().catch(() => null) ?? null,
      manager.estimate?.().catch(() => null) ?? null,
    ])
    this.#set({
      persisted,
      usage: estimate?.usage ?? null,
      quota: estimate?.quota ?? null,
    })
    return this.#view
  }

  /** Asks for persistence for `trigger`, unless granted already or asked before for it. */
  async requestFor(trigger: PersistTrigger): Promise<boolean> {
    const asked = this.#asked()
    if (trigger !== 'person') {
      if (asked.includes(trigger)) return this.#view.persisted === true
      // Marked before any await, so triggers firing together do not lose each other's mark.
      this.#memory.setItem(ASKED_KEY, JSON.stringify([...asked, trigger]))
    }
    if ((await this.refresh()).persisted === true || !this.#manager?.persist) {
      return this.#view.persisted === true
    }
    const granted = await this.#manager.persist().catch(() => false)
    this.#set({ persisted: granted, refused: !granted })
    await this.refresh()
    return granted
  }

  /** A warning to show, or null: unpersisted data while the site's storage is filling up. */
  warning(): string | null {
    const { persisted, usage, quota } = this.#view
    if (persisted !== false || usage === null || !quota) return null
    if (usage / quota < FILLING_RATIO) return null
    return 'Storage is nearly full and this browser has not agreed to keep Peerplace data: it may delete it to free space. Save a backup.'
  }

  #asked(): string[] {
    try {
      const raw: unknown = JSON.parse(this.#memory.getItem(ASKED_KEY) ?? '[]')
      return Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : []
    } catch {
      return []
    }
  }

  #set(change: Partial<PersistenceView>): void {
    this.#view = { ...this.#view, ...change }
    this.emit('change', this.#view)
  }
}

/** What the triggers watch: anything with a 'change' event and a way to read its state. */
export interface PersistenceSources {
  /** Whether the device holds a workplace now; read on every change. */
  hasWorkplace(): boolean
  onWorkplacesChange(listener: () => void): () => void
  /** Calls back when a file is stored in full on this device. */
  onFileStored(listener: () => void): () => void
  installed(): boolean
  onInstallChange(listener: () => void): () => void
}

/** Requests persistence when the device gets its first workplace, file, or is installed. */
export function watchPersistenceTriggers(
  persistence: StoragePersistence,
  sources: PersistenceSources,
): () => void {
  const ask = (trigger: PersistTrigger) => void persistence.requestFor(trigger)
  const checkWorkplaces = () => sources.hasWorkplace() && ask('workplace')
  const checkInstalled = () => sources.installed() && ask('install')
  const stops = [
    sources.onWorkplacesChange(checkWorkplaces),
    sources.onFileStored(() => ask('file')),
    sources.onInstallChange(checkInstalled),
  ]
  checkWorkplaces()
  checkInstalled()
  return () => stops.forEach((stop) => stop())
}
