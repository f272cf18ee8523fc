/**
 * A 32-bit hash of a string (FNV-1a over its UTF-16 code units, started from `seed` and finished
 * with MurmurHash3's fmix32 so that similar inputs spread over the whole range). Fast and
 * deterministic on every platform; not cryptographic.
 */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
