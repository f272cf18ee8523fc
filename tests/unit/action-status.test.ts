import { describe, expect, it } from 'vitest'
import { ActionStatus, errorText } from '../../src/ui/action-status.svelte.ts'

describe('ActionStatus', () => {
  it('keeps the message of a failed action and clears it when the next one starts', async () => {
    const status = new ActionStatus()
    expect(await status.run(() => Promise.reject(new Error('no such member')))).toBe(false)
    expect(status.error).toBe('no such member')
    let seen = 'unset'
    expect(
      await status.run(async () => {
        seen = status.error
      }),
    ).toBe(true)
    expect(seen).toBe('')
    expect(status.error).toBe('')
  })

  it('runs a synchronous action at once and catches what it throws', () => {
    const status = new ActionStatus()
    let ran = false
    void status.run(() => {
      ran = true
      throw new Error('read-only')
    })
    expect(ran).toBe(true)
    expect(status.error).toBe('read-only')
  })

  it('shows a thrown non-error as text', async () => {
    const status = new ActionStatus()
    await status.run(() => {
      throw 'offline'
    })
    expect(status.error).toBe('offline')
    expect(errorText(new TypeError('bad'))).toBe('bad')
  })
})
