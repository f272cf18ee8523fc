import type { AutomergeUrl, DocHandle } from '@automerge/automerge-repo'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import { formatSyncReport } from '../../src/crdt/sync/sync-report.ts'
import { SyncerFirst } from '../../src/crdt/sync/syncer-first.ts'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import { createMemoryConfirmedHeadsStore } from '../../src/crdt/sync/confirmed-heads-store.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { seededRandom } from '../support/seeded-random.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'

export interface SoakDevice {
  name: string
  dev: TestDevice
  gate: SyncerFirst
  wp?: Workplace
  status?: WorkplaceSync
  away: boolean
  removed: boolean
  /** Stops its sync status and presence polling. */
  stop?: () => void
}

type PageDoc = { items: Record<string, number> }

/**
 * Devices of the project's stack (repo, access policy, Syncer-first gate, sync status) on the
 * in-memory mesh, for soaking sync: members go away and come back while others change things.
 */
export class SoakWorld {
  readonly hub = new MemoryMeshHub()
  readonly devices: SoakDevice[] = []
  readonly random: () => number
  readonly #cleanup: (() => unknown)[] = []
  readonly #opening = new Map<SoakDevice, Set<string>>()

  constructor(seed: number) {
    this.random = seededRandom(seed)
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!
  }

  async addDevice(name: string): Promise<SoakDevice> {
    const gates: { gate?: SyncerFirst } = {}
    const dev = await createTestDevice(this.hub, name, {
      gate: (self, stack) =>
        (gates.gate = new SyncerFirst({
          self,
          presence: this.hub.meshes.get(self)!.presence,
          workplaces: () =>
            stack()
              .workplaces.list()
              .filter((wp) => wp.isMember(wp.self)),
          maxHoldMs: 1500,
        })),
    })
    const device: SoakDevice = { name, dev, gate: gates.gate!, away: false, removed: false }
    this.devices.push(device)
    this.#cleanup.push(() => dev.stack.shutdown())
    return device
  }

  /** Keeps the device's sync status for its workplace, told to its gate, as the app does. */
  follow(device: SoakDevice, wp: Workplace): void {
    device.wp = wp
    const status = new WorkplaceSync({
      workplace: wp.id,
      mesh: device.dev.port,
      members: () => [...wp.membership.members.keys()],
      reach: createManualReachability(true),
      handles: () => [wp.handle as DocHandle<unknown>, ...this.pages(device)],
      store: createMemoryConfirmedHeadsStore(),
      reportEveryMs: 1000,
    })
    device.status = status
    wp.handle.on('change', () => status.changed())
    // The fake presence follows links without telling anyone: let it tell now and then.
    const poll = setInterval(() => device.dev.port.poke(wp.id), 250)
    const unfollow = device.gate.follow(status)
    device.stop = () => {
      clearInterval(poll)
      unfollow()
      device.gate.close()
      status.close()
    }
    this.#cleanup.push(() => device.stop?.())
  }

  /** Invites a new device with the owner's invite and waits until it has joined. */
  async join(owner: SoakDevice, name: string, within: number): Promise<SoakDevice> {
    const device = await this.addDevice(name)
    this.follow(device, await this.joinWorkplace(device, owner.wp!, within))
    return device
  }

  /** Lets the device into one more of the owner's workplaces, with an invite. */
  async joinWorkplace(device: SoakDevice, wp: Workplace, within: number): Promise<Workplace> {
    const invite = await this.within(
      `an invite for ${device.name}`,
      within,
      wp.createInvite({ expiresInMs: 600_000, maxUses: 1 }),
    )
    device.dev.stack.joins.start(linkTo(wp, invite))
    return this.until(`${device.name} to join ${wp.name}`, within, () =>
      device.dev.stack.workplaces.get(wp.id),
    )
  }

  /** A removed member's device is switched off, so it costs the soak nothing. */
  async retire(device: SoakDevice): Promise<void> {
    device.removed = true
    device.stop?.()
    this.hub.remove(this.peerOf(device))
    await device.dev.stack.shutdown()
  }

  /** The device goes away as a closed page does: its links drop and it refuses new ones. */
  leave(device: SoakDevice): void {
    device.away = true
    for (const other of this.devices)
      this.hub.unlink(device.dev.identity.peerId, other.dev.identity.peerId)
    device.dev.port.authorize = () => false
  }

  /** The device comes back: links to the others in a seeded order, some after a short delay. */
  async comeBack(device: SoakDevice): Promise<void> {
    device.away = false
    device.dev.port.authorize = (peer) => device.dev.stack.workplaces.authorizeLink(peer)
    const others = this.devices.filter((d) => d !== device && !d.away)
    others.sort(() => this.random() - 0.5)
    for (const other of others) {
      if (this.random() < 0.5) await new Promise((r) => setTimeout(r, this.random() * 30))
      this.hub.link(device.dev.identity.peerId, other.dev.identity.peerId)
    }
  }

  /** Makes a new document, lists it in the workplace's root as a chat shard would be. */
  newPage(device: SoakDevice, key: string): DocHandle<PageDoc> {
    const handle = device.dev.stack.repo.create<PageDoc>({ items: {} })
    device.wp!.handle.change((d) => {
      d.docs[`page.${key}`] = handle.url
    })
    return handle
  }

  /** The page documents listed in the device's root, opened (asked of peers) on first sight. */
  pages(device: SoakDevice): DocHandle<unknown>[] {
    const repo = device.dev.stack.repo
    const opening = this.#opening.get(device) ?? new Set<string>()
    this.#opening.set(device, opening)
    const handles: DocHandle<unknown>[] = []
    for (const [key, url] of Object.entries(device.wp?.doc?.docs ?? {})) {
      if (!key.startsWith('page.')) continue
      if (!opening.has(url)) {
        opening.add(url)
        void repo
          .find(url as AutomergeUrl, { allowableStates: ['ready', 'unavailable'] })
          .catch(() => opening.delete(url))
      }
      const handle = repo.handles[url.slice('automerge:'.length) as keyof typeof repo.handles]
      if (handle) handles.push(handle)
    }
    return handles
  }

  /** Members that are here, and not removed: these must agree. */
  present(): SoakDevice[] {
    return this.devices.filter((d) => d.wp && !d.away && !d.removed)
  }

  /** Whether every present member holds the same root and page documents, all opened. */
  converged(): boolean {
    const present = this.present()
    const signature = (device: SoakDevice) => {
      const root = device.wp!.handle
      const docs = [root as DocHandle<unknown>, ...this.pages(device)]
      const listed = Object.keys(root.doc()?.docs ?? {}).filter((k) => k.startsWith('page.'))
      if (docs.length !== listed.length + 1 || docs.some((h) => !h.isReady())) return undefined
      return docs
        .map((h) => `${h.documentId}:${[...h.heads()].sort().join('.')}`)
        .sort()
        .join(' ')
    }
    const first = signature(present[0]!)
    return first !== undefined && present.every((d) => signature(d) === first)
  }

  /** Every device's sync state, as text. */
  report(): string {
    return this.devices
      .map((d) => {
        const flags = [d.away && 'away', d.removed && 'removed'].filter(Boolean).join(', ')
        const name = `${d.name}${flags ? ` (${flags})` : ''}`
        return formatSyncReport(
          name,
          d.dev.stack.syncReport((id) => (id === d.wp?.id ? d.status : undefined)),
        )
      })
      .join('\n')
  }

  /** Waits for `step` at most `within` ms; throws naming `what`, with every device's state. */
  async within<T>(what: string, within: number, step: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`timed out after ${within} ms waiting for ${what}\n${this.report()}`)),
        within,
      )
    })
    try {
      return await Promise.race([step, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Polls `check` until it gives a value; throws naming `what`, with every device's state. */
  async until<T>(what: string, within: number, check: () => T): Promise<NonNullable<T>> {
    const deadline = Date.now() + within
    for (;;) {
      const value = check()
      if (value) return value as NonNullable<T>
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${within} ms waiting for ${what}\n${this.report()}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  peerOf(device: SoakDevice): PeerId {
    return device.dev.identity.peerId
  }

  async close(): Promise<void> {
    for (const fn of this.#cleanup.splice(0).reverse()) await fn()
  }
}
