import type { ChunkStore } from '../files/chunk-store.ts'
import type { Vault } from './vault.ts'

/** A file chunk store whose chunks and manifests are sealed when the lock is on. */
export interface SealedChunkStore extends ChunkStore {
  /** Rewrites every chunk and manifest the way the vault now writes; safe to run again. */
  reseal(onProgress?: (done: number, total: number) => void): Promise<void>
}

export function sealChunkStore(inner: ChunkStore, vault: Vault): SealedChunkStore {
  const read = async (context: string, stored: Uint8Array | undefined) =>
    stored && vault.read(context, stored)
  const chunk = (hash: string) => `chunks/${hash}`
  const manifest = (fileId: string) => `manifests/${fileId}`
  return {
    ...inner,
    getChunk: async (hash) => read(chunk(hash), await inner.getChunk(hash)),
    putChunk: async (hash, bytes) => inner.putChunk(hash, await vault.seal(chunk(hash), bytes)),
    getManifest: async (fileId) => read(manifest(fileId), await inner.getManifest(fileId)),
    putManifest: async (fileId, bytes) =>
      inner.putManifest(fileId, await vault.seal(manifest(fileId), bytes)),
    async reseal(onProgress) {
      const hashes = await inner.chunkHashes()
      const files = (await inner.records()).map((record) => record.fileId)
      const total = hashes.length + files.length
      let done = 0
      /** Rewrites one stored value the way the vault now writes, unless it already is. */
      const rewrite = async (
        context: string,
        stored: Uint8Array | undefined,
        write: (bytes: Uint8Array) => Promise<void>,
      ) => {
        if (stored && !vault.settled(stored)) {
          await write(await vault.seal(context, await vault.read(context, stored)))
        }
        onProgress?.(++done, total)
      }
      for (const hash of hashes) {
        await rewrite(chunk(hash), await inner.getChunk(hash), (b) => inner.putChunk(hash, b))
      }
      for (const fileId of files) {
        await rewrite(manifest(fileId), await inner.getManifest(fileId), (b) =>
          inner.putManifest(fileId, b),
        )
      }
    },
  }
}
