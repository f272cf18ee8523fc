/**
 * Messages between the page and the vCard worker (vcard-worker.ts), version 1: the page sends one
 * request with the file's text; the worker answers with the VCardImport readVCards gives.
 */
import type { VCardImport } from './vcard-read.ts'

export interface ParseRequest {
  v: 1
  kind: 'parse'
  text: string
}

export function isParseRequest(value: unknown): value is ParseRequest {
  if (typeof value !== 'object' || value === null) return false
  const { v, kind, text } = value as Record<string, unknown>
  return v === 1 && kind === 'parse' && typeof text === 'string'
}

const isArray = Array.isArray

/** The shape of a reply; field values are cleaned again when contacts are stored. */
export function isParseReply(value: unknown): value is VCardImport {
  if (typeof value !== 'object' || value === null) return false
  const reply = value as Record<string, unknown>
  if (reply.ok === true)
    return (
      isArray(reply.contacts) &&
      isArray(reply.unmapped) &&
      reply.contacts.length === reply.unmapped.length &&
      reply.contacts.every((c) => typeof c === 'object' && c !== null) &&
      reply.unmapped.every((names) => isArray(names) && names.every((n) => typeof n === 'string'))
    )
  return (
    reply.ok === false &&
    isArray(reply.errors) &&
    reply.errors.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).line === 'number' &&
        typeof (e as Record<string, unknown>).message === 'string',
    )
  )
}
