import type { AutomergeUrl, DocHandle, DocumentId } from '@automerge/automerge-repo'

interface ShardRegistration {
  key: string
  documentId: DocumentId
  url: AutomergeUrl
}

/**
 * Makes a shard document shareable with the workplace's members: the access policy lets only
 * members sync documents it knows belong to their workplace. Called on every device, for every
 * shard, before the shard is opened; must be idempotent and synchronous.
 */
export type ShardRegistrar = (shard: ShardRegistration) => void

/** The root-document entry that names a shard. */
export function rootDocsEntry(key: string): string {
  return `chat.shard.${key}`
}

/**
 * Works with the access policy as it is: lists the shard's URL in the workplace root's `docs`
 * map (whose values the policy registers), unless it is there already. Costs one small map
 * entry in the root per shard (a few dozen for 50,000 messages).
 */
export function rootDocsRegistrar(
  root: DocHandle<{ docs: Record<string, string> }>,
): ShardRegistrar {
  return ({ key, url }) => {
    const entry = rootDocsEntry(key)
    if (root.doc()?.docs?.[entry] === url) return
    root.change((d) => {
      d.docs ??= {}
      d.docs[entry] = url
    })
  }
}
