/**
 * Hostile frames for fuzzing the relay and the broker: a fixed-seed generator, so a failure
 * names a frame that can be sent again.
 */
import { seededRandom } from '../../support/seeded-random.ts'

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(300),
  '\u0000\ud800',
  [],
  [1, [2, [3]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: {} } },
]

/** `count` frames: broken JSON, odd values, and messages of `types` with fields of wrong types. */
export function hostileFrames(
  seed: number,
  count: number,
  types: readonly string[],
  fields: readonly string[],
): string[] {
  const next = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const frames: string[] = []
  for (let i = 0; i < count; i++) {
    const kind = Math.floor(next() * 6)
    if (kind === 0) {
      const text = JSON.stringify({ type: pick(types), [pick(fields)]: pick(ODD_VALUES) })
      frames.push(text.slice(0, Math.floor(next() * text.length))) // cut short
    } else if (kind === 1) {
      frames.push(JSON.stringify(pick(ODD_VALUES)))
    } else if (kind === 2) {
      const depth = 20 + Math.floor(next() * 3000)
      frames.push(
        `{"type":"${pick(types)}","${pick(fields)}":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      )
    } else {
      const message: Record<string, unknown> = { type: kind === 3 ? pick(ODD_VALUES) : pick(types) }
      for (const field of fields) if (next() < 0.6) message[field] = pick(ODD_VALUES)
      frames.push(JSON.stringify(message))
    }
  }
  return frames
}
