import { asTopic, type Topic } from '../../peer/ids.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'
import type { WorkplaceLink } from './invite-link.ts'

/** The signaling topic in which a workplace's online members meet. */
export function workplaceTopic(workplace: string): Topic {
  return asTopic(`wp.${workplace}`)
}

/** The mesh group of the members a newcomer dials while joining `workplace`. */
export function joinGroup(workplace: string): string {
  return `join.${workplace}`
}

/**
 * Starts reaching the members a workplace link names: joins the workplace's topic and dials
 * them at once (they do not know this device, so they will not dial first). It needs neither
 * Automerge nor the workplace, so a page opened from a link calls it while Automerge's wasm is
 * still downloading, and the join flow (which calls it again: both steps are idempotent) then
 * finds them linked.
 */
export function reachLinkMembers(
  mesh: Pick<MeshPort, 'self' | 'join' | 'setGroup'>,
  link: Pick<WorkplaceLink, 'workplace' | 'peers'>,
): void {
  mesh.join(workplaceTopic(link.workplace))
  mesh.setGroup(
    joinGroup(link.workplace),
    link.peers.filter((p) => p !== mesh.self),
    { eager: true },
  )
}
