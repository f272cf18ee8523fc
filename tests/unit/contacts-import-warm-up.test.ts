import { describe, expect, it } from 'vitest'
import { warmUpImport } from '../../src/crdt/contacts/import-warm-up.ts'

describe('import warm-up', () => {
  it('writes made-up contacts a step at a time until an import begins', async () => {
    let pauses = 0
    const written = await warmUpImport(
      () => pauses >= 2,
      async () => {
        pauses++
      },
    )
    expect(written).toBe(50)
  })

  it('stops by itself after a few hundred', async () => {
    expect(
      await warmUpImport(
        () => false,
        async () => {},
      ),
    ).toBe(300)
  })
})
