import { describe, expect, it } from 'vitest'
import { shareToWorkplace, type ShareableWorkplaces } from '../../src/app/share-to-workplace.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { SharedItem } from '../../src/pwa/share-inbox.ts'

function fakeApp() {
  const sent: string[] = []
  const added: string[] = []
  const wp = { id: 'w1' } as Workplace
  const app: ShareableWorkplaces = {
    list: () => [wp],
    featuresOf: () => ({
      chat: Promise.resolve({ send: async (text: string) => void sent.push(text) as never }),
      files: Promise.resolve({
        add: async (blob: Blob, name: string) => void added.push(`${name}:${blob.size}`) as never,
      }),
    }),
  }
  return { app, sent, added }
}

const item = (over: Partial<SharedItem>): SharedItem => ({
  title: '',
  text: '',
  url: '',
  files: [],
  ...over,
})

describe('sharing into a workplace', () => {
  it('posts the text and link as one chat message', async () => {
    const { app, sent, added } = fakeApp()
    await shareToWorkplace(app, 'w1', item({ title: 'Minutes', url: ' https://example.org ' }))
    expect(sent).toEqual(['Minutes\nhttps://example.org'])
    expect(added).toEqual([])
  })

  it('adds shared files to the workplace files, with or without text', async () => {
    const { app, sent, added } = fakeApp()
    const files = [new File(['abc'], 'a.txt'), new File(['12345'], 'b.bin')]
    await shareToWorkplace(app, 'w1', item({ files }))
    expect(added).toEqual(['a.txt:3', 'b.bin:5'])
    expect(sent).toEqual([])
    await shareToWorkplace(app, 'w1', item({ text: 'see these', files: files.slice(0, 1) }))
    expect(added).toEqual(['a.txt:3', 'b.bin:5', 'a.txt:3'])
    expect(sent).toEqual(['see these'])
  })

  it('refuses a workplace that is gone', async () => {
    const { app } = fakeApp()
    await expect(shareToWorkplace(app, 'w2', item({ text: 'x' }))).rejects.toThrow(
      'That workplace is no longer on this device.',
    )
  })
})
