import { unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { MemorySink } from '../../src/backup/byte-sink.ts'
import { chatJson, chatMarkdown, type ExportMessage } from '../../src/backup/export/chat-export.ts'
import { safeName, writeFilesZip } from '../../src/backup/export/files-zip.ts'

const at = Date.UTC(2026, 11, 3, 18, 4)
const messages: ExportMessage[] = [
  {
    id: 'a',
    author: 'p1',
    at,
    text: 'Hello\n# not a heading',
    edited: false,
    deleted: false,
    reactions: [],
  },
  {
    id: 'b',
    author: 'p2',
    at: at + 60_000,
    text: 'Hi Ann',
    edited: true,
    deleted: false,
    replyTo: 'a',
    reactions: [{ emoji: '👍', peers: ['p1', 'p2'] }],
  },
  {
    id: 'c',
    author: 'p2',
    at: at + 120_000,
    text: '',
    edited: false,
    deleted: true,
    reactions: [],
  },
]
const input = {
  workplace: 'Acme *team*',
  exportedAt: at + 3_600_000,
  messages,
  nameOf: (peer: string) => (peer === 'p1' ? 'Ann' : 'Bob'),
}

describe('chat export', () => {
  it('writes Markdown people can read: authors, UTC times, quoted text, replies, reactions', () => {
    const md = chatMarkdown(input)
    expect(md).toContain('# Acme \\*team\\*: chat')
    expect(md).toContain('### Ann, 2026-12-03 18:04\n\n> Hello\n> # not a heading')
    expect(md).toContain('*In reply to Ann: Hello \\# not a heading*')
    expect(md).toContain('*edited · 👍 2*')
    expect(md).toContain('### Bob, 2026-12-03 18:06\n\n*(deleted)*')
  })

  it('writes JSON with every message, names and ISO times', () => {
    const parsed = JSON.parse(chatJson(input)) as { messages: Record<string, unknown>[] }
    expect(parsed.messages).toHaveLength(3)
    expect(parsed.messages[1]).toMatchObject({
      authorName: 'Bob',
      at: '2026-12-03T18:05:00.000Z',
      text: 'Hi Ann',
      edited: true,
      replyTo: 'a',
      reactions: [{ emoji: '👍', count: 2 }],
    })
  })
})

describe('files zip', () => {
  it('streams files into a zip that opens with their bytes, names made safe and unique', async () => {
    const big = new Uint8Array(300_000).map((_, i) => i % 256)
    const source = (bytes: Uint8Array) =>
      async function* () {
        for (let i = 0; i < bytes.length; i += 65_536) yield bytes.slice(i, i + 65_536)
      }
    const sink = new MemorySink()
    await writeFilesZip(
      [
        { name: 'report.pdf', at, read: source(big) },
        { name: 'REPORT.pdf', at, read: source(new Uint8Array([1, 2])) },
        { name: '../../etc/passwd', at, read: source(new Uint8Array([3])) },
      ],
      sink,
    )
    const files = unzipSync(sink.bytes())
    expect(Object.keys(files).sort()).toEqual(['REPORT (2).pdf', '_.._etc_passwd', 'report.pdf'])
    expect(files['report.pdf']).toEqual(big)
    expect(files['REPORT (2).pdf']).toEqual(new Uint8Array([1, 2]))
    expect(safeName('  ..  ')).toBe('file')
  })
})
