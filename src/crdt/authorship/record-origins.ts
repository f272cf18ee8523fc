import { next as Automerge, type Heads } from '@automerge/automerge/slim'
import { asOriginsSnapshot, type OriginsSnapshot } from './origins-snapshot.ts'

/** A decoded op; sequence inserts also carry these, which Automerge's typings leave out. */
type DecodedOp = ReturnType<typeof Automerge.decodeChange>['ops'][number] & {
  insert?: boolean
  elemId?: string
}

/** A record's fields as the change that created its object wrote them (scalars and text). */
export type OriginalFields = Readonly<Record<string, string | number>>

/** A scalar ever written under a key of some map: `[key, value]`. */
export type Written = readonly [key: string, value: string | number | boolean]

export interface RecordOriginsOptions {
  /**
   * Parts of a record (paths inside it, joined by `/`, say `re`) whose every scalar write is
   * kept: records whose entries others may remove or overwrite (a message's reactions).
   */
  writes?: readonly string[]
  /**
   * Other maps at the document's root whose every scalar write is kept (a shard's receipt
   * marks), whatever map object of that name it went into.
   */
  roots?: readonly string[]
  /** Called after more of the history was read (to keep a snapshot). */
  onRead?: (origins: RecordOrigins) => void
}

/**
 * An object ever created under a record's key: the record itself (`path` empty) or a part of it
 * (say `['del', peer]`), with its state now, read even if no map holds it any more.
 */
export interface RecordPart {
  path: readonly string[]
  now: unknown
  /** For a record, the fields its creating change wrote. */
  created?: OriginalFields
}

/**
 * Where the records of one map at a document's root came from (chat messages by ID, display
 * names by peer), read from the document's change history: for every record object ever created
 * under a key, the fields the creating change wrote.
 *
 * Any member can overwrite or remove a record another member wrote (the document is shared),
 * which would hide a record whose fields no longer match its proof; no member can rewrite the
 * history. So a reader that finds a record not genuine, or gone, looks here for the version its
 * writer signed. The history is read once and then only what was added since
 * (`getChangesSince`), and only for documents where some record needed it. What was read can be
 * kept between visits (`snapshot`, `restore`): reading a long history again on every start held
 * a returning device's main thread for seconds (1,000 changes took ~0.2 s to decode).
 */
export class RecordOrigins {
  readonly #map: string
  readonly #fields: ReadonlySet<string>
  #heads: Heads = []
  /** The maps ever created at the root under `map` (a forger may replace the map itself). */
  readonly #maps = new Set<string>()
  /**
   * Whether the map the document holds now was looked up: once, for state restored from a
   * snapshot; every map created later is seen being created (a lookup per change cost more
   * than reading the change).
   */
  #mapLookedUp = false
  /** Record object ID -> the fields its creating change wrote. */
  readonly #created = new Map<string, Record<string, string | number>>()
  /** Key -> its record objects, oldest first. */
  readonly #objects = new Map<string, string[]>()
  /** Object ID -> the record key it was created under, and its path inside that record. */
  readonly #within = new Map<string, { key: string; path: readonly string[] }>()
  /** Key -> the objects created inside its records (any depth), oldest first. */
  readonly #parts = new Map<string, string[]>()
  readonly #writePaths: ReadonlySet<string>
  /** Key -> the scalars written into its records' parts at `writes` paths, in change order. */
  readonly #writes = new Map<string, Written[]>()
  /** Root map object ID -> its name, for the `roots` maps. */
  readonly #rootMaps = new Map<string, string>()
  /** Root map name -> the scalars ever written into a map of that name, in change order. */
  readonly #rootWrites = new Map<string, Written[]>()
  readonly #onRead: ((origins: RecordOrigins) => void) | undefined
  #changesRead = 0

  /**
   * @param map the key at the document's root of the map that holds the records
   * @param fields the fields a record's writer sets when creating it
   */
  constructor(map: string, fields: readonly string[], options: RecordOriginsOptions = {}) {
    this.#map = map
    this.#fields = new Set(fields)
    this.#writePaths = new Set(options.writes ?? [])
    for (const root of options.roots ?? []) this.#rootWrites.set(root, [])
    this.#onRead = options.onRead
  }

  /** How many changes this reader decoded (not those a restored snapshot stood for). */
  get changesRead(): number {
    return this.#changesRead
  }

  /**
   * What was read so far, or undefined if nothing was. Readers that keep writes (`writes`,
   * `roots`) are not snapshotted: their history is read afresh each visit.
   */
  snapshot(): OriginsSnapshot | undefined {
    if (!this.read || this.#keepsWrites) return undefined
    return {
      v: 1,
      map: this.#map,
      fields: [...this.#fields],
      heads: [...this.#heads],
      maps: [...this.#maps],
      created: [...this.#created].map(([id, fields]) => [id, { ...fields }] as const),
      objects: [...this.#objects].map(([key, ids]) => [key, [...ids]] as const),
      within: [...this.#within].map(([id, { key, path }]) => [id, key, [...path]] as const),
      parts: [...this.#parts].map(([key, ids]) => [key, [...ids]] as const),
    }
  }

  /**
   * Takes up what an earlier reader of `doc` kept (see `snapshot`), so only changes made since
   * are read. False (and nothing taken) if this one already read, or the snapshot is not one of
   * this reader's or names heads the document does not hold.
   */
  restore(doc: Automerge.Doc<unknown>, saved: unknown): boolean {
    if (this.read || this.#keepsWrites) return false
    const snapshot = asOriginsSnapshot(saved, this.#map, [...this.#fields])
    if (!snapshot || !Automerge.hasHeads(doc, [...snapshot.heads])) return false
    for (const id of snapshot.maps) this.#maps.add(id)
    for (const [id, fields] of snapshot.created) this.#created.set(id, { ...fields })
    for (const [key, ids] of snapshot.objects) this.#objects.set(key, [...ids])
    for (const [id, key, path] of snapshot.within) this.#within.set(id, { key, path: [...path] })
    for (const [key, ids] of snapshot.parts) this.#parts.set(key, [...ids])
    this.#heads = [...snapshot.heads]
    return true
  }

  get #keepsWrites(): boolean {
    return this.#writePaths.size > 0 || this.#rootWrites.size > 0
  }

  /** Whether the history was ever read. */
  get read(): boolean {
    return this.#heads.length > 0
  }

  /** The versions the record under `key` was created with, oldest first. */
  versions(doc: Automerge.Doc<unknown>, key: string): readonly OriginalFields[] {
    this.#catchUp(doc)
    return (this.#objects.get(key) ?? []).map((obj) => this.#created.get(obj)!)
  }

  /** The keys under which a record was ever created. */
  keys(doc: Automerge.Doc<unknown>): Iterable<string> {
    this.#catchUp(doc)
    return this.#objects.keys()
  }

  /**
   * Every object ever created under `key`, oldest first: its records and their parts, each as
   * it stands now (someone removing it from its map does not undo what was written in it).
   * With `catchUp: false`, only among the changes read so far (see AboutHistory).
   */
  parts(
    doc: Automerge.Doc<unknown>,
    key: string,
    options: { catchUp?: boolean } = {},
  ): readonly RecordPart[] {
    if (options.catchUp !== false) this.#catchUp(doc)
    const ids = [...(this.#objects.get(key) ?? []), ...(this.#parts.get(key) ?? [])]
    if (ids.length === 0) return []
    const backend = Automerge.getBackend(doc)
    const heads = Automerge.getHeads(doc)
    return ids
      .sort((a, b) => opCounter(a) - opCounter(b))
      .map((id) => {
        const path = this.#within.get(id)!.path
        const part: RecordPart = { path, now: backend.materialize(id, heads) }
        if (path.length === 0) part.created = this.#created.get(id)!
        return part
      })
  }

  /** Reads what `doc` holds beyond what was read (what every other read does first). */
  catchUp(doc: Automerge.Doc<unknown>): void {
    this.#catchUp(doc)
  }

  /** Every scalar written into the `writes` parts of records under `key`, in change order. */
  writes(doc: Automerge.Doc<unknown>, key: string): readonly Written[] {
    this.#catchUp(doc)
    return this.#writes.get(key) ?? []
  }

  /**
   * Every scalar written into a `roots` map named `root` (any object of that name). With
   * `catchUp: false`, only among the changes read so far.
   */
  rootWrites(
    doc: Automerge.Doc<unknown>,
    root: string,
    options: { catchUp?: boolean } = {},
  ): readonly Written[] {
    if (options.catchUp !== false) this.#catchUp(doc)
    return this.#rootWrites.get(root) ?? []
  }

  /** How many objects were ever created under `key` (its records and their parts). */
  count(doc: Automerge.Doc<unknown>, key: string): number {
    this.#catchUp(doc)
    return (this.#objects.get(key)?.length ?? 0) + (this.#parts.get(key)?.length ?? 0)
  }

  #catchUp(doc: Automerge.Doc<unknown>): void {
    const heads = Automerge.getHeads(doc)
    if (heads.length === this.#heads.length && heads.every((h, i) => h === this.#heads[i])) return
    if (!this.#mapLookedUp) {
      const current = Automerge.getObjectId(doc, this.#map)
      if (current) this.#maps.add(current)
      this.#mapLookedUp = true
    }
    for (const bytes of Automerge.getChangesSince(doc, this.#heads)) {
      const change = Automerge.decodeChange(bytes)
      this.#changesRead++
      const made = new Set<string>()
      /** Text fields the creating change wrote, typed in order (else `broken`). */
      const texts = new Map<
        string,
        { record: string; key: string; chars: string[]; last: string }
      >()
      const broken = new Set<string>()
      const ops = change.ops as DecodedOp[]
      ops.forEach((op, i) => {
        const opId = `${change.startOp + i}@${change.actor}`
        const text = texts.get(op.obj)
        if (text) {
          // A string written as collaborative text: one insert per character, each after the last.
          if (
            op.action === 'set' &&
            op.insert &&
            op.elemId === text.last &&
            typeof op.value === 'string'
          ) {
            text.chars.push(op.value)
            text.last = opId
          } else broken.add(op.obj)
        } else if (
          op.action === 'makeText' &&
          made.has(op.obj) &&
          typeof op.key === 'string' &&
          this.#fields.has(op.key)
        ) {
          texts.set(opId, { record: op.obj, key: op.key, chars: [], last: '_head' })
        } else if (op.action === 'makeMap' && op.obj === '_root' && op.key === this.#map) {
          this.#maps.add(opId)
        } else if (
          op.action === 'makeMap' &&
          op.obj === '_root' &&
          typeof op.key === 'string' &&
          this.#rootWrites.has(op.key)
        ) {
          this.#rootMaps.set(opId, op.key)
        } else if (
          op.action === 'makeMap' &&
          this.#maps.has(op.obj) &&
          typeof op.key === 'string'
        ) {
          made.add(opId)
          this.#within.set(opId, { key: op.key, path: [] })
          this.#created.set(opId, {})
          const objects = this.#objects.get(op.key) ?? []
          objects.push(opId)
          this.#objects.set(op.key, objects)
        } else if (
          (op.action === 'makeMap' || op.action === 'makeList' || op.action === 'makeText') &&
          typeof op.key === 'string' &&
          this.#within.has(op.obj)
        ) {
          const { key, path } = this.#within.get(op.obj)!
          this.#within.set(opId, { key, path: [...path, op.key] })
          const parts = this.#parts.get(key) ?? []
          parts.push(opId)
          this.#parts.set(key, parts)
        }
        if (
          op.action === 'set' &&
          made.has(op.obj) &&
          typeof op.key === 'string' &&
          this.#fields.has(op.key) &&
          (typeof op.value === 'string' || typeof op.value === 'number')
        ) {
          this.#created.get(op.obj)![op.key] = op.value
        }
        if (op.action === 'set' && !op.insert && typeof op.key === 'string') {
          if (op.value !== undefined) this.#keepWrite(op.obj, op.key, op.value)
        }
      })
      for (const [obj, text] of texts) {
        if (!broken.has(obj)) this.#created.get(text.record)![text.key] = text.chars.join('')
      }
    }
    this.#heads = heads
    this.#onRead?.(this)
  }

  /** Keeps a scalar write if it went into a `writes` part of a record or a `roots` map. */
  #keepWrite(obj: string, key: string, value: string | number | boolean): void {
    const root = this.#rootMaps.get(obj)
    if (root !== undefined) {
      this.#rootWrites.get(root)!.push([key, value])
      return
    }
    if (this.#writePaths.size === 0) return
    const within = this.#within.get(obj)
    if (!within || !this.#writePaths.has(within.path.join('/'))) return
    const writes = this.#writes.get(within.key) ?? []
    writes.push([key, value])
    this.#writes.set(within.key, writes)
  }
}

/** The counter of an op ID (`<counter>@<actor>`): a later op has a greater one. */
function opCounter(id: string): number {
  return Number.parseInt(id, 10)
}
