import { afterEach, describe, expect, it } from 'vitest'
import { SoakWorld, type SoakDevice } from './sync-soak-world.ts'

/** Replay a failure with SOAK_SEED=<seed printed> npx vitest run tests/node/sync-soak.test.ts */
const SEED = Number(process.env.SOAK_SEED ?? 24)
const ROUNDS = 30
/** Each round's returning member must hold what everyone holds within this long. */
const CONVERGE_MS = 8000
const JOIN_MS = 5000
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
    const owner = await w.addDevice('owner')
    w.follow(owner, await owner.dev.stack.workplaces.create('Soak'))
    const core = [
      await w.join(owner, 'ann', JOIN_MS),
      await w.join(owner, 'bob', JOIN_MS),
      await w.join(owner, 'cyd', JOIN_MS),
    ]
    await w.until('everyone to agree before the first round', CONVERGE_MS, () => w.converged())
    let newcomers = 0
    const times: number[] = []

    for (let round = 0; round < ROUNDS; round++) {
      const roundStart = Date.now()
      const away = w.pick(core)
      w.leave(away)
      // Away, it changes things too: its root and a page of its own.
      const offline = pageCount(away) < MAX_PAGES ? w.newPage(away, `${round}.offline`) : undefined
      for (let i = 0; i < 20; i++) {
        offline?.change((d) => void (d.items[`o${i}`] = round))
        away.wp!.handle.change((d) => void (d.description = `${away.name} offline ${i}`))
      }

      const here = () => w.present().filter((d) => d !== away)
      const creator = w.pick(here())
      const page =
        pageCount(creator) < MAX_PAGES && w.random() < 0.6
          ? w.newPage(creator, `${round}`)
          : undefined
      const changes = 100 + Math.floor(w.random() * 50)
      for (let i = 0; i < changes; i++) {
        const by = w.pick(here())
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

      // Sometimes membership changes while it comes back.
      const during = w.random() < 0.3 ? changeMembership(w, owner, newcomers) : undefined
      const started = Date.now()
      await w.comeBack(away)
      if (during) newcomers = await during
      await w.until(
        `round ${round}: ${away.name} to come back and everyone to agree`,
        CONVERGE_MS,
        () => w.converged(),
      )
      times.push(Date.now() - started)
      console.info(
        `round ${round}: ${away.name} caught up in ${times.at(-1)} ms (round took ${Date.now() - roundStart} ms, ${changes} changes)`,
      )
    }
    expect(times).toHaveLength(ROUNDS)
  }, 110_000)
})

function pageCount(device: SoakDevice): number {
  return Object.keys(device.wp!.doc?.docs ?? {}).filter((k) => k.startsWith('page.')).length
}

/** Lets a newcomer in, or removes one, as the owner; returns how many newcomers are members. */
async function changeMembership(w: SoakWorld, owner: SoakDevice, newcomers: number) {
  const members = w.present().filter((d) => d.name.startsWith('new'))
  if (members.length >= MAX_NEWCOMERS || (members.length > 0 && w.random() < 0.4)) {
    const gone = w.pick(members)
    await owner.wp!.remove(w.peerOf(gone))
    await w.retire(gone)
    return newcomers
  }
  await w.join(owner, `new${newcomers}`, JOIN_MS)
  return newcomers + 1
}
