import { generateAutomergeUrl, parseAutomergeUrl } from '@automerge/automerge-repo'
import { describe, expect, it } from 'vitest'
import { DocumentIdCheck } from '../../src/crdt/repo/document-id-check.ts'

const newId = (): string => parseAutomergeUrl(generateAutomergeUrl()).documentId

/** `id` with one character changed to another base58 character: its checksum no longer holds. */
function corrupted(id: string): string {
  const swap = id[3] === '2' ? '3' : '2'
  return `${id.slice(0, 3)}${swap}${id.slice(4)}`
}

describe('DocumentIdCheck', () => {
  it('answers as the full check does, again and again', () => {
    const ids = new DocumentIdCheck()
    const id = newId()
    for (let i = 0; i < 3; i++) {
      expect(ids.isValid(id)).toBe(true)
      expect(ids.isValid(corrupted(id))).toBe(false)
      expect(ids.isValid(`${id}x`)).toBe(false)
      expect(ids.isValid('')).toBe(false)
    }
  })

  it('still refuses bad IDs after remembering more valid ones than it keeps', () => {
    const ids = new DocumentIdCheck()
    const valid = Array.from({ length: 1200 }, newId)
    for (const id of valid) expect(ids.isValid(id)).toBe(true)
    // The first ones were forgotten and are checked again in full; the last are remembered.
    for (const id of valid) expect(ids.isValid(id)).toBe(true)
    for (const id of valid.slice(0, 50)) expect(ids.isValid(corrupted(id))).toBe(false)
  })
})
