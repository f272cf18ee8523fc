/** scrypt's cost parameters, stored beside what the key protects. */
export interface KdfParams {
  /** log2 of scrypt's N (CPU/memory cost). */
  log2N: number
  r: number
  p: number
}

/** What a reader accepts, so stored settings cannot make it allocate gigabytes. */
export const KDF_BOUNDS = { log2N: [10, 20], r: [1, 16], p: [1, 4] } as const

export function kdfInBounds(kdf: Partial<Record<keyof KdfParams, unknown>>): kdf is KdfParams {
  return (Object.keys(KDF_BOUNDS) as (keyof KdfParams)[]).every((name) => {
    const value = kdf[name]
    const [low, high] = KDF_BOUNDS[name]
    return Number.isInteger(value) && (value as number) >= low && (value as number) <= high
  })
}
