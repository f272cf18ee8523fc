import { afterEach, describe, expect, it } from 'vitest'
import { SoakWorld, type SoakDevice } from './sync-soak-world.ts'

/** Replay a failure with SOAK_SEED=<seed printed> npm run test:soak */
const SEED = Number(process.env.SOAK_SEED ?? 24)
const ROUNDS = 30
/** Each round's returning member must hold what everyone holds within this long. */
const CONVERGE_MS = 15_000
const JOIN_MS = 15_000
/** Any other step (signing a membership record, shutting a device down). */
const STEP_MS = 10_000
/** Page documents (like chat shards) a workplace gets, at most. */
const MAX_PAGES = 4
/** Newcomers alive at once, at most. */
const MAX_NEWCOMERS = 2

let world: SoakWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('sync soak', () => {
  it(`a member who goes away and returns always catches up (${ROUNDS} rounds, seed ${SEED})`, async () => {
    const w = (world = new SoakWorld(SEED))
    const step = <T>(what: string, promise: Promise<T>) => w.within(what, STEP_MS, promise)
    const owner = await w.addDevice('owner')
    w.follow(owner, await owner.dev.stack.workplaces.create('Soak'))
    const core = [
      await w.join(owner, 'ann', JOIN_MS),
      await w.join(owner, 'bob', JOIN_MS),
      await w.join(owner, 'cyd', JOIN_MS),
    ]
    // The core members share a second workplace, as colleagues often do: removed from the
    // first, they stay linked, so what they send about it reaches members who refuse it.
    const side = await owner.dev.stack.workplaces.create('Side')
    for (const member of core) await w.joinWorkplace(member, side, JOIN_MS)
    await w.until('everyone to agree before the first round', CONVERGE_MS, () => w.converged())
    let newcomers = 0
    const times: number[] = []
    const remove = (d: SoakDevice) =>
      step(`the owner to remove ${d.name}`, owner.wp!.remove(w.peerOf(d)))
    const readd = (d: SoakDevice) =>
      step(`the owner to add ${d.name} again`, owner.wp!.add(w.peerOf(d)))

    for (let round = 0; round < ROUNDS; round++) {
      const roundStart = Date.now()
      const away = w.pick(core)
      w.leave(away)
      // Sometimes it is removed while away and let in again as it returns: its offline changes
      // reach members before the record that lets them in does.
      const outWhileAway = w.random() < 0.3
      if (outWhileAway) await remove(away)
      // Away, it changes things too: its root and a page of its own.
      const offline = pageCount(away) < MAX_PAGES ? w.newPage(away, `${round}.offline`) : undefined
      for (let i = 0; i < 20; i++) {
        offline?.change((d) => void (d.items[`o${i}`] = round))
        away.wp!.handle.change((d) => void (d.description = `${away.name} offline ${i}`))
      }

      // Sometimes a member who is here is removed and let in again while everyone writes; it
      // goes on writing meanwhile, as a device not told yet does.
      const flip =
        !outWhileAway && w.random() < 0.5 ? w.pick(core.filter((d) => d !== away)) : undefined
      const here = () => w.present().filter((d) => d !== away)
      const creator = w.pick(here())
      const page =
        pageCount(creator) < MAX_PAGES && w.random() < 0.6
          ? w.newPage(creator, `${round}`)
          : undefined
      const changes = 100 + Math.floor(w.random() * 50)
      // What it wrote while out must come from itself: once in again, it writes no more.
      let flipOut = false
      const writers = () => here().filter((d) => d !== flip || flipOut)
      for (let i = 0; i < changes; i++) {
        if (flip && i === Math.floor(changes / 4)) {
          await remove(flip)
          flipOut = true
        }
        if (flip && i === Math.floor((changes * 3) / 4)) {
          await readd(flip)
          flipOut = false
        }
        const by = w.pick(writers())
        if (w.random() < 0.5) {
          by.wp!.handle.change((d) => void (d.description = `${by.name} ${round}.${i}`))
        } else {
          const mine = w.pages(by).filter((h) => h.isReady())
          const target = page && (mine.length === 0 || w.random() < 0.3) ? page : w.pick(mine)
          target?.change((d) => void ((d as { items: Record<string, number> }).items[`${i}`] = i))
        }
        if (i % 40 === 0) await new Promise((r) => setTimeout(r, w.random() * 5))
        if (i === Math.floor(changes / 2) && w.random() < 0.6) {
          newcomers = await changeMembership(w, owner, newcomers)
        }
      }

      // Membership changes while it comes back: it is let in again, or sometimes a newcomer
      // joins or is removed.
      const during = outWhileAway
        ? readd(away).then(() => newcomers)
        : w.random() < 0.3
          ? changeMembership(w, owner, newcomers)
          : undefined
      const started = Date.now()
      await w.comeBack(away)
      if (during) newcomers = await during
      await w.until(
        `round ${round}: ${away.name} to come back and everyone to agree`,
        CONVERGE_MS,
        () => w.converged(),
      )
      times.push(Date.now() - started)
      const events = [
        outWhileAway && `${away.name} removed while away, let in as it returned`,
        flip && `${flip.name} removed and let in again`,
      ].filter(Boolean)
      console.info(
        `round ${round}: ${away.name} caught up in ${times.at(-1)} ms (round took ${Date.now() - roundStart} ms, ${changes} changes${events.length ? `; ${events.join('; ')}` : ''})`,
      )
    }
    expect(times).toHaveLength(ROUNDS)
  }, 300_000)
})

function pageCount(device: SoakDevice): number {
  return Object.keys(device.wp!.doc?.docs ?? {}).filter((k) => k.startsWith('page.')).length
}

/** Lets a newcomer in, or removes one, as the owner; returns how many newcomers are members. */
async function changeMembership(w: SoakWorld, owner: SoakDevice, newcomers: number) {
  const members = w.present().filter((d) => d.name.startsWith('new'))
  if (members.length >= MAX_NEWCOMERS || (members.length > 0 && w.random() < 0.4)) {
    const gone = w.pick(members)
    await w.within(`the owner to remove ${gone.name}`, STEP_MS, owner.wp!.remove(w.peerOf(gone)))
    await w.within(`${gone.name} to shut down`, STEP_MS, w.retire(gone))
    return newcomers
  }
  await w.join(owner, `new${newcomers}`, JOIN_MS)
  return newcomers + 1
}
