import { deserialize, serialize } from 'node:v8'
import { readFileIfAny, writeFileAtomic } from './atomic-file.ts'

/**
 * A small map of structured-cloneable values kept in one file (V8's serialization, so byte
 * arrays survive as they are). Each change rewrites the file atomically, one write at a time.
 * For small records only: identity, the workplace list, membership records.
 */
export class FileMap {
  readonly #path: string
  readonly #entries: Map<string, unknown>
  #writing: Promise<void> = Promise.resolve()

  private constructor(path: string, entries: Map<string, unknown>) {
    this.#path = path
    this.#entries = entries
  }

  static async open(path: string): Promise<FileMap> {
    const bytes = await readFileIfAny(path)
    if (!bytes) return new FileMap(path, new Map())
    let entries: unknown
    try {
      entries = deserialize(bytes)
    } catch {
      throw new Error(`${path} is unreadable`)
    }
    if (!(entries instanceof Map)) throw new Error(`${path} is not a record file`)
    return new FileMap(path, entries as Map<string, unknown>)
  }

  get(key: string): unknown {
    return this.#entries.has(key) ? structuredClone(this.#entries.get(key)) : undefined
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  values(): unknown[] {
    return [...this.#entries.values()].map((value) => structuredClone(value))
  }

  async set(key: string, value: unknown): Promise<void> {
    this.#entries.set(key, structuredClone(value))
    await this.#flush()
  }

  async delete(key: string): Promise<void> {
    if (this.#entries.delete(key)) await this.#flush()
  }

  #flush(): Promise<void> {
    const next = this.#writing
      .catch(() => {})
      .then(() => writeFileAtomic(this.#path, serialize(this.#entries)))
    this.#writing = next
    return next
  }
}
