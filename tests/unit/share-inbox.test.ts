import { describe, expect, it } from 'vitest'
import { discardShare, readShare, storeShare, type InboxCaches } from '../../src/pwa/share-inbox.ts'
import {
  combineShareDestinations,
  workplaceShareDestinations,
} from '../../src/pwa/share-destinations.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import type { SharedItem } from '../../src/pwa/share-inbox.ts'

/** Cache Storage in memory, enough for the inbox. */
function memoryCaches(): InboxCaches & { entries: Map<string, Response> } {
  const entries = new Map<string, Response>()
  const cache = {
    put: async (url: string, response: Response) => void entries.set(url, response),
    match: async (url: string) => entries.get(url)?.clone(),
    keys: async () => [...entries.keys()].map((url) => new Request(url)),
    delete: async (request: Request) => entries.delete(request.url),
  }
  return { entries, open: async () => cache as unknown as Cache }
}

const scope = 'https://peers.example/app/'
const id = '0f6b1c7e-5b1a-4d7e-9a55-0d4c3b2a1f00'

describe('share inbox', () => {
  it('keeps text, URL and files and gives them back intact', async () => {
    const caches = memoryCaches()
    const form = new FormData()
    form.set('title', 'Minutes')
    form.set('text', 'hello')
    form.set('url', 'https://example.org/')
    form.append('files', new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 5 }))
    form.append('files', new File([new Uint8Array([1, 2])], 'b.bin', { lastModified: 6 }))
    await storeShare(caches, scope, form, id)
    expect(
      [...caches.entries.keys()].every((u) => u.startsWith(`${scope}__share-inbox/${id}/`)),
    ).toBe(true)

    const item = await readShare(caches, scope, id)
    expect(item).toMatchObject({ title: 'Minutes', text: 'hello', url: 'https://example.org/' })
    expect(item!.files.map((f) => [f.name, f.type, f.size, f.lastModified])).toEqual([
      ['a.txt', 'text/plain', 3, 5],
      ['b.bin', '', 2, 6],
    ])
    expect(await item!.files[0]!.text()).toBe('abc')

    await discardShare(caches, scope, id)
    expect(caches.entries.size).toBe(0)
    expect(await readShare(caches, scope, id)).toBeNull()
  })

  it('refuses bad IDs and damaged entries without throwing', async () => {
    const caches = memoryCaches()
    await expect(storeShare(caches, scope, new FormData(), '../x')).rejects.toThrow('bad share ID')
    expect(await readShare(caches, scope, '../../etc')).toBeNull()
    caches.entries.set(`${scope}__share-inbox/${id}/meta`, Response.json({ title: 1 }))
    expect(await readShare(caches, scope, id)).toBeNull()
    caches.entries.set(
      `${scope}__share-inbox/${id}/meta`,
      Response.json({
        title: '',
        text: '',
        url: '',
        files: [{ name: 'gone', type: '', lastModified: 0 }],
      }),
    )
    expect(await readShare(caches, scope, id)).toBeNull()
  })
})

class FakeWorkplaces extends Emitter<{ change: void }> {
  items = [{ id: 'w1', name: 'Acme' }]
  list() {
    return this.items
  }
  changed() {
    this.emit('change', undefined)
  }
}

describe('share destinations', () => {
  it('lists workplaces, sends through the given function, and follows changes', async () => {
    const workplaces = new FakeWorkplaces()
    const sent: [string, SharedItem][] = []
    const destinations = workplaceShareDestinations(workplaces, async (wp, item) => {
      sent.push([wp, item])
    })
    const device = {
      list: () => [
        { id: 'device:x', label: 'Phone', kind: 'device' as const, send: async () => {} },
      ],
      on: () => () => {},
    }
    const all = combineShareDestinations(destinations, device)
    expect(all.list().map((d) => [d.id, d.label, d.kind])).toEqual([
      ['workplace:w1', 'Acme', 'workplace'],
      ['device:x', 'Phone', 'device'],
    ])
    const item: SharedItem = { title: '', text: 'hi', url: '', files: [] }
    await all.list()[0]!.send(item)
    expect(sent).toEqual([['w1', item]])

    let changes = 0
    const off = all.on('change', () => changes++)
    workplaces.items = [...workplaces.items, { id: 'w2', name: 'Beta' }]
    workplaces.changed()
    off()
    workplaces.changed()
    expect(changes).toBe(1)
    expect(all.list()).toHaveLength(3)
  })
})
