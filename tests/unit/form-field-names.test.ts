import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../src', import.meta.url))

function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return svelteFiles(path)
    return entry.name.endsWith('.svelte') ? [path] : []
  })
}

// An opening tag whose attributes may hold `{…}` expressions (with `=>` in them).
const FIELD = /<(input|textarea|select)\b((?:[^>{]|\{[^}]*\})*)>/g

describe('form fields', () => {
  // Browsers autofill and restore fields by id or name, and Chromium lists a field with
  // neither as an issue (which auditors such as Lighthouse count against the page).
  it('each have an id or a name', () => {
    const unnamed: string[] = []
    for (const file of svelteFiles(root)) {
      const source = readFileSync(file, 'utf8')
      for (const match of source.matchAll(FIELD)) {
        if (/\b(name|id)=|\{id\}/.test(match[2]!)) continue
        const line = source.slice(0, match.index).split('\n').length
        unnamed.push(`${relative(root, file)}:${line} <${match[1]}>`)
      }
    }
    expect(unnamed).toEqual([])
  })
})
