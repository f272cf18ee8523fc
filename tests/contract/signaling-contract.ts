/**
 * The contract every Signaling adapter passes. A runner supplies a harness that makes N
 * adapters with distinct peer IDs; each test makes its own and tears them down.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { Signaling, SignalingEvents } from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { delay, randomPeerId, randomTopic } from './fixtures.ts'

export interface SignalingNode {
  readonly id: PeerId
  readonly signaling: Signaling
}

/** What the adapter under test does by design; the suite adapts its expectations. */
export interface SignalingTraits {
  /**
   * How peers learn of each other: 'topic' by joining the same topic; 'pairing' by opening a
   * pipe (manual pairing), after which they are present in the topics both joined.
   */
  presence: 'topic' | 'pairing'
  /** connect() to an absent peer must reject within this many ms. */
  absentPeerBoundMs: number
  /**
   * Both peers calling connect() at once: 'one-pipe' when the adapter settles on a single
   * connection (both calls resolve with its two ends), 'two-pipes' when each call gets its own.
   */
  glare: 'one-pipe' | 'two-pipes' | 'none'
}

/** How the suite wants its adapters made, beyond the harness's own defaults. */
export interface SignalingNodeOptions {
  /**
   * A connect that gets no connection gives up after this many ms. Only the absent-peer test
   * sets it, to a short time, as no connection is to be made there; an adapter that learns of
   * an absent peer another way (a broker saying so) may ignore it.
   */
  connectTimeoutMs?: number
}

export interface SignalingHarness {
  /** Makes `count` adapters with distinct peer IDs, ready to join topics. */
  create(count: number, options?: SignalingNodeOptions): Promise<SignalingNode[]>
  /** Opens a pipe between a and b the adapter's own way. Default: a.connect(b), b's 'pipe'. */
  pair?(a: SignalingNode, b: SignalingNode): Promise<[DataPipe, DataPipe]>
  /** Delivers malformed signals to `target` through the adapter's real transport. */
  sendGarbage(target: SignalingNode): Promise<void>
  teardown(): Promise<void>
}

const WAIT_MS = 10_000
/** The connect timeout of the absent-peer test: a wait for nothing, so kept short. */
const ABSENT_CONNECT_TIMEOUT_MS = 500

export function describeSignalingContract(
  name: string,
  traits: SignalingTraits,
  makeHarness: () => SignalingHarness,
): void {
  describe(`Signaling contract: ${name}`, () => {
    let harness: SignalingHarness | undefined
    const pipes: DataPipe[] = []
    const nodes: SignalingNode[] = []

    const create = async (count: number, options?: SignalingNodeOptions) => {
      harness = makeHarness()
      const made = await harness.create(count, options)
      nodes.push(...made)
      return made
    }
    const pair = async (a: SignalingNode, b: SignalingNode): Promise<[DataPipe, DataPipe]> => {
      const ends = harness?.pair ? await harness.pair(a, b) : await connectPair(a, b)
      pipes.push(...ends)
      return ends
    }
    /** Makes the nodes present to each other in `topic`, returning pipes if pairing made some. */
    const meet = async (topic: Topic, ...group: SignalingNode[]) => {
      for (const node of group) node.signaling.join(topic)
      if (traits.presence === 'pairing') {
        for (let i = 0; i < group.length; i++) {
          for (let j = i + 1; j < group.length; j++) await pair(group[i]!, group[j]!)
        }
      }
      for (const node of group) {
        for (const other of group) {
          if (other !== node) await seen(node, topic, other.id)
        }
      }
    }

    afterEach(async () => {
      for (const pipe of pipes.splice(0)) pipe.close('test over')
      for (const node of nodes.splice(0)) node.signaling.close()
      await harness?.teardown()
      harness = undefined
    })

    it('peers in one topic see each other, and only there', async () => {
      const [a, b, c] = await create(3)
      const topic = randomTopic()
      const elsewhere = randomTopic()
      const joinedA = events(a!.signaling, 'peer-joined')
      c!.signaling.join(elsewhere)
      await meet(topic, a!, b!)
      expect(a!.signaling.peers(topic)).toEqual([b!.id])
      expect(b!.signaling.peers(topic)).toEqual([a!.id])
      expect(joinedA).toContainEqual({ topic, peer: b!.id })
      await delay(traits.presence === 'topic' ? 300 : 0)
      expect(joinedA.some((e) => e.peer === c!.id || e.peer === a!.id)).toBe(false)
      expect(c!.signaling.peers(elsewhere)).toEqual([])
    })

    if (traits.presence === 'topic') {
      it('a peer that leaves the topic is reported as left', async () => {
        const [a, b] = await create(2)
        const topic = randomTopic()
        await meet(topic, a!, b!)
        const left = next(a!.signaling, 'peer-left', (e) => e.peer === b!.id)
        b!.signaling.leave(topic)
        expect(await left).toEqual({ topic, peer: b!.id })
        expect(a!.signaling.peers(topic)).toEqual([])
      })
    }

    it('a peer that goes away is reported as left', async () => {
      const [a, b] = await create(2)
      const topic = randomTopic()
      await meet(topic, a!, b!)
      const left = next(a!.signaling, 'peer-left', (e) => e.peer === b!.id)
      b!.signaling.close()
      // A paired peer is present while its pipe is open: it goes away when the pipe does.
      if (traits.presence === 'pairing') for (const pipe of pipes) pipe.close('going away')
      expect(await left).toEqual({ topic, peer: b!.id })
      expect(a!.signaling.peers(topic)).toEqual([])
    })

    it('opens a pipe that carries bytes both ways', async () => {
      const [a, b] = await create(2)
      await meet(randomTopic(), a!, b!)
      const [pa, pb] = await pair(a!, b!)
      expect(pa.isOpen && pb.isOpen).toBe(true)
      expect(pa.fingerprints.local).toBe(pb.fingerprints.remote)
      expect(pa.fingerprints.remote).toBe(pb.fingerprints.local)
      await expectDelivery(pa, pb, Uint8Array.of(1, 2, 3))
      await expectDelivery(pb, pa, randomBytes(64 * 1024))
      const side = await Promise.all([pa.openSideChannel('bulk'), pb.openSideChannel('bulk')])
      pipes.push(...side)
      await expectDelivery(side[1], side[0], Uint8Array.of(42))
    })

    it('rejects a connect to an absent peer within a bounded time', async () => {
      const [a] = await create(1, { connectTimeoutMs: ABSENT_CONNECT_TIMEOUT_MS })
      a!.signaling.join(randomTopic())
      const absent = randomPeerId()
      const started = Date.now()
      const error = await a!.signaling.connect(absent).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toContain(absent)
      expect(Date.now() - started).toBeLessThanOrEqual(traits.absentPeerBoundMs)
    })

    it('stops a connect when its signal aborts', async () => {
      const [a] = await create(1)
      const before = new AbortController()
      before.abort()
      await expect(
        a!.signaling.connect(randomPeerId(), { signal: before.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' })
      const during = new AbortController()
      const attempt = a!.signaling.connect(randomPeerId(), { signal: during.signal })
      during.abort()
      const started = Date.now()
      await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
      expect(Date.now() - started).toBeLessThan(1000)
    })

    it('survives garbage signals and still connects', async () => {
      const [a, b] = await create(2)
      const topic = randomTopic()
      b!.signaling.join(topic)
      await harness!.sendGarbage(b!)
      expect(b!.signaling.state).not.toBe('closed')
      await meet(topic, a!, b!)
      const [pa, pb] = await pair(a!, b!)
      await expectDelivery(pa, pb, Uint8Array.of(7))
    })

    if (traits.glare !== 'none') {
      it('copes with both peers connecting to each other at once', async () => {
        const [a, b] = await create(2)
        await meet(randomTopic(), a!, b!)
        const incoming = [events(a!.signaling, 'pipe'), events(b!.signaling, 'pipe')]
        const [pa, pb] = await Promise.all([
          a!.signaling.connect(b!.id),
          b!.signaling.connect(a!.id),
        ])
        pipes.push(pa, pb)
        expect(pa.isOpen && pb.isOpen).toBe(true)
        if (traits.glare === 'one-pipe') {
          expect(pa.fingerprints.local).toBe(pb.fingerprints.remote)
          await expectDelivery(pa, pb, Uint8Array.of(9))
          await delay(200)
          expect(incoming.flat()).toEqual([])
        } else {
          await until(() => incoming.every((list) => list.length === 1), 'both incoming pipes')
          pipes.push(...incoming.flat().map((e) => e.pipe))
          await expectDelivery(pa, incoming[1]![0]!.pipe, Uint8Array.of(9))
        }
      })
    }

    it('close() ends the adapter cleanly', async () => {
      const [a, b] = await create(2)
      await meet(randomTopic(), a!, b!)
      const [pa, pb] = await pair(a!, b!)
      const states = events(a!.signaling, 'state')
      const pending = a!.signaling.connect(randomPeerId())
      a!.signaling.close()
      expect(a!.signaling.state).toBe('closed')
      expect(states).toContain('closed')
      await expect(pending).rejects.toThrow()
      await expect(a!.signaling.connect(b!.id)).rejects.toThrow(/closed/)
      a!.signaling.close() // twice is harmless
      await expectDelivery(pa, pb, Uint8Array.of(5)) // open pipes outlive their signaling
    })
  })
}

/** The default way to get both ends of a pipe: a dials, b hears of it. */
async function connectPair(a: SignalingNode, b: SignalingNode): Promise<[DataPipe, DataPipe]> {
  const incoming = next(b.signaling, 'pipe', (e) => e.peer === a.id)
  const pa = await a.signaling.connect(b.id)
  const { pipe: pb } = await incoming
  return [pa, pb]
}

export async function expectDelivery(
  from: DataPipe,
  to: DataPipe,
  bytes: Uint8Array,
): Promise<void> {
  const received = new Promise<Uint8Array>((resolve) => {
    const off = to.on('message', (data) => {
      off()
      resolve(data)
    })
  })
  from.send(bytes)
  const data = await withTimeout(received, WAIT_MS, 'a message over the pipe')
  expect(data).toBeInstanceOf(Uint8Array)
  expect(data.length).toBe(bytes.length)
  expect(Buffer.from(data).equals(Buffer.from(bytes))).toBe(true)
}

type Events = SignalingEvents

/** Records every `event` of an adapter from now on. */
export function events<K extends keyof Events>(signaling: Signaling, event: K): Events[K][] {
  const seen: Events[K][] = []
  signaling.on(event, (value) => seen.push(value))
  return seen
}

/** The next `event` that matches. */
export function next<K extends keyof Events>(
  signaling: Signaling,
  event: K,
  matches: (value: Events[K]) => boolean = () => true,
): Promise<Events[K]> {
  const found = new Promise<Events[K]>((resolve) => {
    const off = signaling.on(event, (value) => {
      if (!matches(value)) return
      off()
      resolve(value)
    })
  })
  return withTimeout(found, WAIT_MS, `"${event}"`)
}

async function seen(node: SignalingNode, topic: Topic, peer: PeerId): Promise<void> {
  await until(() => node.signaling.peers(topic).includes(peer), `${node.id} to see ${peer}`)
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
  return bytes
}
