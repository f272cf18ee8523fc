import { toBase64Url } from '../../src/lib/base64.ts'
import type { WorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'

/** `link` as the first version wrote it, under `base`: base64url of the JSON payload. */
export function firstVersionLink(base: string, link: WorkplaceLink): string {
  const payload = {
    v: 1,
    w: link.workplace,
    n: link.name,
    p: link.peers,
    s: link.endpoints,
    ...(link.invite ? { i: link.invite } : {}),
  }
  const token = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)))
  return `${base}#${link.invite ? 'join' : 'ask'}=${token}`
}
