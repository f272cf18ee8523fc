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
      for (const hash of hashes) {
        const stored = await inner.getChunk(hash)
        if (stored && !vault.settled(stored)) {
          await inner.putChunk(
            hash,
            await vault.seal(chunk(hash), await vault.read(chunk(hash), stored)),
          )
        }
        onProgress?.(++done, total)
      }
      for (const fileId of files) {
        const stored = await inner.getManifest(fileId)
        if (stored && !vault.settled(stored)) {
          const plain = await vault.read(manifest(fileId), stored)
          await inner.putManifest(fileId, await vault.seal(manifest(fileId), plain))
        }
        onProgress?.(++done, total)
      }
    },
  }
}
