import type { Repo } from '@automerge/automerge-repo'

/**
 * `repo.shutdown()`, except that documents not here yet (loading, or asked of members who do not
 * have them) do not make it fail: automerge-repo 2.5's flush reads every cached handle's
 * document, and one not ready throws, rejecting the shutdown before the other saves are done.
 * Such a document has nothing to save; the others' saves are waited for.
 */
export async function shutdownRepo(repo: Repo): Promise<void> {
  for (const adapter of repo.networkSubsystem.adapters) adapter.disconnect()
  const ready = Object.values(repo.handles)
    .filter((handle) => handle.isReady())
    .map((handle) => handle.documentId)
  await repo.flush(ready)
}
