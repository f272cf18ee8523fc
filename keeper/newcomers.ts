import type { Mesh } from '../src/peer/mesh/mesh.ts'
import type { PeerId, Topic } from '../src/peer/ids.ts'
import type { Signaling } from '../src/peer/signaling/signaling.ts'
import type { KeeperLog } from './keeper-log.ts'

/** How long the keeper keeps dialing a newcomer it saw in a workplace's topic. */
const DIAL_FOR_MS = 2 * 60_000

/**
 * Dials the peers that appear in a workplace's signaling topic without being members: people
 * joining with an invite made before the keeper was in the workplace look for the members the
 * link names, and would not find the keeper otherwise. The link gives a newcomer no access by
 * itself: the join protocol checks the invite, and documents follow membership.
 */
export function dialNewcomers(options: {
  signaling: Pick<Signaling, 'on'>
  mesh: Pick<Mesh, 'setGroup' | 'linkedPeers'>
  /** The workplace whose topic this is, when the keeper is a member of it. */
  workplaceOf: (topic: Topic) => string | undefined
  isMember: (workplace: string, peer: PeerId) => boolean
  log: KeeperLog
}): () => void {
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const groupOf = (workplace: string, peer: PeerId) => `newcomer.${workplace}.${peer}`
  const forget = (workplace: string, peer: PeerId) => {
    const group = groupOf(workplace, peer)
    clearTimeout(timers.get(group))
    timers.delete(group)
    options.mesh.setGroup(group, [])
  }
  const offs = [
    options.signaling.on('peer-joined', ({ topic, peer }) => {
      const workplace = options.workplaceOf(topic)
      if (!workplace || options.isMember(workplace, peer)) return
      const group = groupOf(workplace, peer)
      if (timers.has(group)) return
      options.log.event('newcomer', { workplace, peer })
      options.mesh.setGroup(group, [peer], { eager: true })
      timers.set(
        group,
        setTimeout(() => forget(workplace, peer), DIAL_FOR_MS),
      )
    }),
    options.signaling.on('peer-left', ({ topic, peer }) => {
      const workplace = options.workplaceOf(topic)
      if (workplace && timers.has(groupOf(workplace, peer))) forget(workplace, peer)
    }),
  ]
  return () => {
    for (const off of offs) off()
    for (const group of timers.keys()) {
      clearTimeout(timers.get(group))
      options.mesh.setGroup(group, [])
    }
    timers.clear()
  }
}
