import { describe, expect, it } from 'vitest'
import { newPassphraseProblem } from '../../src/ui/backup/new-passphrase.ts'

describe('a new passphrase typed twice', () => {
  it('must be long enough and typed the same both times', () => {
    expect(newPassphraseProblem('short', 'short')).toMatch(/at least 8 characters/)
    expect(newPassphraseProblem('long enough one', 'long enough 0ne')).toMatch(/differ/)
    expect(newPassphraseProblem('long enough one', 'long enough one')).toBeNull()
  })
})
