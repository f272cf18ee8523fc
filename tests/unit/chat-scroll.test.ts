import { afterEach, describe, expect, it, vi } from 'vitest'
import { ActionStatus } from '../../src/ui/action-status.svelte.ts'
import {
  ChatScroll,
  SEEN_PACE_MS,
  type ScrollBox,
  type ScrolledChat,
} from '../../src/ui/chat/chat-scroll.svelte.ts'
import { WINDOW_CONTEXT, WINDOW_PAGE } from '../../src/ui/chat/message-window.ts'

interface Msg {
  id: string
}

const ids = (from: number, to: number): Msg[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: `m${from + i}` }))

/** A chat whose loaded messages, older shards and unread messages the test sets. */
class FakeChat implements ScrolledChat {
  loaded: Msg[]
  older: Msg[][]
  unread: string | undefined
  marks: ('read' | 'soon')[] = []
  failLoad: Error | undefined

  constructor(loaded: Msg[], options: { older?: Msg[][]; unread?: string } = {}) {
    this.loaded = loaded
    this.older = options.older ?? []
    this.unread = options.unread
  }

  firstUnread() {
    return this.unread === undefined ? undefined : (this.message(this.unread) as never)
  }
  markRead() {
    this.marks.push('read')
  }
  markReadSoon() {
    this.marks.push('soon')
  }
  hasOlder() {
    return this.older.length > 0
  }
  async loadOlder() {
    if (this.failLoad) throw this.failLoad
    const shard = this.older.pop()
    if (!shard) return false
    this.loaded = [...shard, ...this.loaded]
    return true
  }
  async reveal(id: string) {
    while (!this.message(id)) if (!(await this.loadOlder())) return false
    return true
  }
  message(id: string) {
    return this.loaded.find((m) => m.id === id) as never
  }
}

/**
 * A list element: `content` pixels tall, `view` pixels shown, scrolled to `scrollTop` (which,
 * as in a browser, goes no further than the bottom).
 */
function box(
  content: number,
  view = 500,
  scrollTop = content - view,
): ScrollBox & { content: number } {
  let top = scrollTop
  return {
    content,
    get scrollTop() {
      return top
    },
    set scrollTop(value: number) {
      top = Math.max(0, Math.min(value, this.content - view))
    },
    get scrollHeight() {
      return this.content
    },
    clientHeight: view,
  }
}

function scrollOf(chat: FakeChat, options: { visible?: () => boolean } = {}) {
  const status = new ActionStatus()
  const scroll = new ChatScroll<Msg>(chat, () => chat.loaded, {
    status,
    pageVisible: options.visible ?? (() => true),
    rendered: async () => {},
  })
  return { scroll, status }
}

describe('ChatScroll', () => {
  it('renders the newest page, reaching back to the first unread with some context', () => {
    const chat = new FakeChat(ids(0, 300), { unread: 'm120' })
    const { scroll } = scrollOf(chat)
    expect(scroll.marker).toBe('m120')
    expect(scroll.shown[0]?.id).toBe(`m${120 - WINDOW_CONTEXT}`)
    scroll.marker = undefined
    expect(scroll.shown).toHaveLength(WINDOW_PAGE)
  })

  it('follows new messages at the bottom once laid out, and marks them seen', () => {
    const chat = new FakeChat(ids(0, 10))
    const { scroll } = scrollOf(chat)
    const list = box(1000)
    chat.loaded = [...chat.loaded, { id: 'new' }]
    list.content = 1100
    scroll.afterRender()
    expect(chat.marks).toEqual(['soon'])
    // The panel's ResizeObserver, after the frame's layout.
    scroll.resized(list)
    expect(list.scrollTop).toBe(600)
    // The scroll event of that move, perhaps after more was added: nothing to measure.
    list.content = 1200
    scroll.scrolled(list)
    expect(scroll.atBottom).toBe(true)
    scroll.resized(list)
    expect(list.scrollTop).toBe(700)
  })

  it('keeps following when the browser moves the list before the added rows are reported', () => {
    const chat = new FakeChat(ids(0, 100))
    const { scroll } = scrollOf(chat)
    const list = box(4000, 500, 3500)
    // A message added and the oldest rendered one taken off the top (the window slides), laid
    // out early: scroll anchoring moves the list up by the removed row, its scroll event comes
    // before the ResizeObserver's call.
    chat.loaded = [...chat.loaded, { id: 'new' }]
    scroll.afterRender(true)
    list.scrollTop = 3420
    scroll.scrolled(list)
    expect(scroll.atBottom).toBe(true)
    expect(scroll.anchor).toBeUndefined()
    scroll.resized(list)
    expect(list.scrollTop).toBe(3500)
    // Once they are reported, a scroll up is the reader's.
    scroll.scrolled(list)
    list.scrollTop = 3000
    scroll.scrolled(list)
    expect(scroll.atBottom).toBe(false)
  })

  it('holds still and marks nothing while the reader looks back', () => {
    const chat = new FakeChat(ids(0, 150))
    const { scroll } = scrollOf(chat)
    const list = box(5000, 500, 2000)
    scroll.scrolled(list)
    expect(scroll.anchor).toBe(`m${150 - WINDOW_PAGE}`)
    chat.loaded = [...chat.loaded, ...ids(150, 260)]
    scroll.afterRender()
    list.content = 9000
    scroll.resized(list)
    expect(list.scrollTop).toBe(2000)
    expect(scroll.shown[0]?.id).toBe(`m${150 - WINDOW_PAGE}`)
    expect(chat.marks).toEqual([])
    list.scrollTop = 8500
    scroll.scrolled(list)
    expect(scroll.anchor).toBeUndefined()
    expect(chat.marks).toEqual(['soon'])
  })

  it('goes to the bottom to show a sent message, and drops the divider once sent', async () => {
    const chat = new FakeChat(ids(0, 150), { unread: 'm140' })
    const { scroll } = scrollOf(chat)
    const list = box(5000, 500, 2000)
    scroll.scrolled(list)
    const sent = scroll.send(async () => {
      chat.loaded = [...chat.loaded, { id: 'mine' }]
      list.content = 5100
      scroll.afterRender()
      scroll.resized(list)
      return true
    })
    expect(scroll.anchor).toBeUndefined()
    expect(await sent).toBe(true)
    expect(list.scrollTop).toBe(4600)
    expect(scroll.marker).toBeUndefined()
  })

  it('keeps the divider and the place when a send is refused', async () => {
    const chat = new FakeChat(ids(0, 150), { unread: 'm140' })
    const { scroll } = scrollOf(chat)
    const list = box(5000, 500, 2000)
    scroll.scrolled(list)
    expect(await scroll.send(async () => false)).toBe(false)
    scroll.afterRender()
    scroll.resized(list)
    expect(list.scrollTop).toBe(2000)
    expect(scroll.marker).toBe('m140')
  })

  it('loads an older shard when all loaded are shown, keeping what is read in place', async () => {
    const chat = new FakeChat(ids(100, 100 + WINDOW_PAGE / 2), { older: [ids(0, 100)] })
    const { scroll } = scrollOf(chat)
    const list = box(3000, 500, 10)
    const loading = scroll.loadOlder(list)
    expect(scroll.loadingOlder).toBe(true)
    list.content = 9000
    await loading
    expect(scroll.loadingOlder).toBe(false)
    expect(scroll.shown[0]?.id).toBe(`m${100 - WINDOW_PAGE}`)
    expect(list.scrollTop).toBe(9000 - (3000 - 10))
  })

  it('places older messages it loaded although the list follows the chat late', async () => {
    // As in the panel: the list reads the chat's messages when it renders, a frame or more after
    // they change, unless asked to read them now.
    // Fewer loaded than a page; the next older shard holds more than a page.
    const chat = new FakeChat(ids(100, 100 + WINDOW_PAGE / 2), {
      older: [ids(0, 50), ids(50, 100)],
    })
    let listed = chat.loaded
    const scroll = new ChatScroll<Msg>(chat, () => listed, {
      status: new ActionStatus(),
      pageVisible: () => true,
      rendered: async () => {},
      refresh: () => (listed = chat.loaded),
    })
    const list = box(3000, 500, 0)
    await scroll.loadOlder(list)
    expect(scroll.shown[0]?.id).toBe(`m${100 - WINDOW_PAGE}`)
    expect(await scroll.reveal('m10')).toBe(true)
    expect(scroll.shown[0]?.id).toBe(`m${10 - WINDOW_CONTEXT}`)
  })

  it('reports a failed load and stays usable', async () => {
    const chat = new FakeChat(ids(0, 10), { older: [ids(-5, 0)] })
    chat.failLoad = new Error('shard unreadable')
    const { scroll, status } = scrollOf(chat)
    await scroll.loadOlder(box(1000, 500, 0))
    expect(status.error).toBe('shard unreadable')
    expect(scroll.loadingOlder).toBe(false)
  })

  it('reveals an older message with context, or says it is not on this device', async () => {
    const chat = new FakeChat(ids(100, 300), { older: [ids(0, 100)] })
    const { scroll, status } = scrollOf(chat)
    expect(await scroll.reveal('m20')).toBe(true)
    expect(scroll.shown[0]?.id).toBe(`m${20 - WINDOW_CONTEXT}`)
    expect(await scroll.reveal('gone')).toBe(false)
    expect(status.error).toBe('That message is not available on this device.')
  })

  describe('telling the chat what was seen, in a busy chat', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    /** A list at the bottom that rendered `renders` new messages in a row. */
    function busy(renders: number, visible: () => boolean = () => true) {
      vi.useFakeTimers()
      const chat = new FakeChat(ids(0, 10))
      const { scroll } = scrollOf(chat, { visible })
      for (let i = 0; i < renders; i++) {
        chat.loaded = [...chat.loaded, { id: `new${i}` }]
        scroll.afterRender(true)
      }
      return { chat, scroll }
    }

    it('marks at once, then folds the renders of an interval into one call at its end', () => {
      const { chat, scroll } = busy(20)
      expect(chat.marks).toEqual(['soon'])
      vi.advanceTimersByTime(SEEN_PACE_MS)
      expect(chat.marks).toEqual(['soon', 'soon'])
      // Nothing rendered since: no call at the end of the next interval.
      vi.advanceTimersByTime(SEEN_PACE_MS * 2)
      expect(chat.marks).toEqual(['soon', 'soon'])
      // A quiet spell later, a render marks at once again.
      scroll.afterRender()
      expect(chat.marks).toEqual(['soon', 'soon', 'soon'])
    })

    it('drops the folded call once the list is gone', () => {
      const { chat, scroll } = busy(5)
      scroll.close()
      vi.advanceTimersByTime(SEEN_PACE_MS * 2)
      expect(chat.marks).toEqual(['soon'])
      scroll.afterRender()
      expect(chat.marks).toEqual(['soon'])
    })

    it('drops the folded call when the page was hidden meanwhile', () => {
      let visible = true
      const { chat } = busy(5, () => visible)
      visible = false
      vi.advanceTimersByTime(SEEN_PACE_MS * 2)
      expect(chat.marks).toEqual(['soon'])
    })

    it('drops the folded call when the reader scrolled back meanwhile', () => {
      const { chat, scroll } = busy(5)
      // Once the added rows are laid out, the reader scrolls up.
      scroll.resized(box(5000))
      scroll.scrolled(box(5000, 500, 2000))
      expect(scroll.atBottom).toBe(false)
      vi.advanceTimersByTime(SEEN_PACE_MS * 2)
      expect(chat.marks).toEqual(['soon'])
    })
  })

  it('sets the divider while hidden and marks read when shown again at the bottom', () => {
    let visible = false
    const chat = new FakeChat(ids(0, 10))
    const { scroll } = scrollOf(chat, { visible: () => visible })
    const list = box(1000)
    chat.loaded = [...chat.loaded, { id: 'm10' }]
    chat.unread = 'm10'
    scroll.afterRender()
    scroll.resized(list)
    expect(scroll.marker).toBe('m10')
    expect(chat.marks).toEqual([])
    visible = true
    scroll.visibilityChanged()
    expect(chat.marks).toEqual(['read'])
  })

  it('first shows the divider when there is one, else the bottom, and only once', () => {
    const { scroll } = scrollOf(new FakeChat(ids(0, 10)))
    const list = box(1000, 500, 0)
    let toDivider = 0
    scroll.firstShown(list, () => toDivider++)
    expect(toDivider).toBe(1)
    expect(scroll.atBottom).toBe(false)
    scroll.firstShown(list, () => toDivider++)
    expect(toDivider).toBe(1)
    const other = scrollOf(new FakeChat(ids(0, 10))).scroll
    other.firstShown(list, undefined)
    expect(list.scrollTop).toBe(500)
    expect(other.atBottom).toBe(true)
  })
})
