import { describe, expect, it } from 'vitest'
import { MessageDraft } from '../../src/ui/message-draft.svelte.ts'

/** A send that settles when the test says, recording what it was given. */
function controlledSend() {
  const sent: string[] = []
  const settle: ((ok: boolean) => void)[] = []
  const send = (text: string) => {
    sent.push(text)
    return new Promise<boolean>((resolve) => settle.push(resolve))
  }
  return { sent, settle, send }
}

/** A key press as the message box gets it (the unit tests have no DOM). */
const key = (shiftKey = false) =>
  ({ key: 'Enter', shiftKey, isComposing: false, preventDefault() {} }) as unknown as KeyboardEvent
const enter = () => key()

describe('MessageDraft', () => {
  it('sends what was written next while the last message is on its way, and loses nothing', async () => {
    const { sent, settle, send } = controlledSend()
    const draft = new MessageDraft(send, () => {})
    draft.text = 'first'
    const first = draft.send()
    expect(draft.text).toBe('')
    draft.text = 'second'
    expect(draft.keydown(enter())).toBe(true)
    draft.text = 'third, not sent yet'
    settle[0]!(true)
    await first
    expect(sent).toEqual(['first', 'second'])
    expect(draft.text).toBe('third, not sent yet')
  })

  it('gives a refused message back, before what was typed since', async () => {
    const { settle, send } = controlledSend()
    const draft = new MessageDraft(send, () => {})
    draft.text = 'refused'
    const refused = draft.send()
    draft.text = 'typed meanwhile'
    settle[0]!(false)
    await refused
    expect(draft.text).toBe('refused\ntyped meanwhile')

    const failing = new MessageDraft(
      () => Promise.reject(new Error('no chat')),
      () => {},
    )
    failing.text = 'kept'
    await failing.send()
    expect(failing.text).toBe('kept')
  })

  it('sends nothing for an empty box, and leaves Shift+Enter to make a new line', async () => {
    const { sent, send } = controlledSend()
    const draft = new MessageDraft(send, () => {})
    draft.text = '  \n '
    await draft.send()
    draft.text = 'two\nlines'
    expect(draft.keydown(key(true))).toBe(false)
    expect(sent).toEqual([])
  })
})
