import { Emitter } from '../../lib/emitter.ts'
import type { KeyStore } from './key-store.ts'

const RECORD = 'device-profile'
const MAX_DISPLAY_NAME_LENGTH = 64

export interface DeviceProfileEvents extends Record<string, unknown> {
  change: { name: string | null }
}

/**
 * Editable data about this device, kept apart from its identity: changing the display name
 * never changes the peer ID.
 */
export class DeviceProfile extends Emitter<DeviceProfileEvents> {
  readonly #store: KeyStore
  #name: string | null

  private constructor(store: KeyStore, name: string | null) {
    super()
    this.#store = store
    this.#name = name
  }

  static async load(store: KeyStore): Promise<DeviceProfile> {
    const record = await store.get(RECORD)
    const raw = (record as { name?: unknown } | undefined)?.name
    let name: string | null = null
    if (typeof raw === 'string') {
      try {
        name = normalizeDisplayName(raw)
      } catch {
        console.warn('device profile: ignoring an invalid stored display name')
      }
    }
    return new DeviceProfile(store, name)
  }

  /** The display name, or null until the user picks one. */
  get name(): string | null {
    return this.#name
  }

  /** Validates, stores and announces a new display name; throws on an invalid one. */
  async setName(raw: string): Promise<void> {
    const name = normalizeDisplayName(raw)
    await this.#store.set(RECORD, { name })
    this.#name = name
    this.emit('change', { name })
  }
}

/** Trims, removes control characters and collapses whitespace; throws if nothing is left. */
export function normalizeDisplayName(raw: string): string {
  const cleaned = raw
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (cleaned.length === 0) throw new Error('a display name cannot be empty')
  if ([...cleaned].length > MAX_DISPLAY_NAME_LENGTH) {
    throw new Error(`a display name is at most ${MAX_DISPLAY_NAME_LENGTH} characters`)
  }
  return cleaned
}
