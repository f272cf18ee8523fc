/** A chat message as exported (the fields of ChatMessage a person needs). */
export interface ExportMessage {
  id: string
  author: string
  at: number
  text: string
  edited: boolean
  deleted: boolean
  replyTo?: string
  reactions: readonly { emoji: string; peers: readonly string[] }[]
}

export interface ChatExportInput {
  workplace: string
  exportedAt: number
  /** Oldest first. */
  messages: readonly ExportMessage[]
  nameOf(peer: string): string
}

/** The chat as JSON: every message with its author's name, ISO times and reactions. */
export function chatJson(input: ChatExportInput): string {
  return JSON.stringify(
    {
      format: 'peerplace-chat-export',
      version: 1,
      workplace: input.workplace,
      exportedAt: new Date(input.exportedAt).toISOString(),
      messages: input.messages.map((m) => ({
        id: m.id,
        author: m.author,
        authorName: input.nameOf(m.author),
        at: new Date(m.at).toISOString(),
        text: m.deleted ? '' : m.text,
        edited: m.edited,
        deleted: m.deleted,
        ...(m.replyTo ? { replyTo: m.replyTo } : {}),
        reactions: m.reactions.map((r) => ({ emoji: r.emoji, count: r.peers.length })),
      })),
    },
    null,
    2,
  )
}

/** The chat as Markdown: one heading per message (author, UTC time), its text quoted. */
export function chatMarkdown(input: ChatExportInput): string {
  const byId = new Map(input.messages.map((m) => [m.id, m]))
  const lines = [
    `# ${escapeInline(input.workplace)}: chat`,
    '',
    `Exported from Peerplace on ${utc(input.exportedAt)}; ${input.messages.length} messages. Times are UTC.`,
    '',
  ]
  for (const m of input.messages) {
    lines.push(`### ${escapeInline(input.nameOf(m.author))}, ${utc(m.at)}`, '')
    const quoted = m.replyTo ? byId.get(m.replyTo) : undefined
    if (m.replyTo) {
      const who = quoted ? input.nameOf(quoted.author) : 'an earlier message'
      const what = quoted && !quoted.deleted ? `: ${snippet(quoted.text)}` : ''
      lines.push(`*In reply to ${escapeInline(who)}${escapeInline(what)}*`, '')
    }
    if (m.deleted) lines.push('*(deleted)*')
    else lines.push(...m.text.split(/\r?\n/).map((line) => `> ${line}`))
    const notes = [
      ...(m.edited && !m.deleted ? ['edited'] : []),
      ...m.reactions.map((r) => `${r.emoji} ${r.peers.length}`),
    ]
    if (notes.length > 0) lines.push('', `*${notes.join(' · ')}*`)
    lines.push('')
  }
  return lines.join('\n')
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat
}

/** Escapes what would change Markdown's meaning in a heading or an emphasised line. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_[\]#<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ')
}
