const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const ID_LENGTH = 16
/** Random bytes drawn at once by an ID source: an import makes thousands of IDs in a row. */
const POOL_BYTES = 4096

function idFrom(bytes: Uint8Array, at: number): string {
  let id = ''
  for (let i = at; i < at + ID_LENGTH; i++) id += ALPHABET[bytes[i]! & 31]
  return id
}

/** A random contact ID: 16 base32 characters (80 bits). */
export function randomContactId(): string {
  return idFrom(crypto.getRandomValues(new Uint8Array(ID_LENGTH)), 0)
}

/**
 * Makes random contact IDs (as randomContactId) from a pool of random bytes drawn 4 KiB at a
 * time: one call to the system's generator per 256 IDs instead of one per ID. Each byte is used
 * once.
 */
export function contactIdSource(): () => string {
  let pool = new Uint8Array(0)
  let used = 0
  return () => {
    if (used + ID_LENGTH > pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES))
      used = 0
    }
    const id = idFrom(pool, used)
    used += ID_LENGTH
    return id
  }
}
