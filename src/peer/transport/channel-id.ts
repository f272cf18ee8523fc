/** Negotiated channel IDs live here, clear of the few IDs the browser assigns on its own. */
const FIRST_ID = 16
const ID_COUNT = 1008 // browsers offer at least 1024 SCTP streams

/** The negotiated data channel ID both peers derive from a label (FNV-1a of its code units). */
export function channelIdForLabel(label: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return FIRST_ID + (hash % ID_COUNT)
}

/** Labels are short printable names such as "bulk". */
export function isChannelLabel(label: string): boolean {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(label)
}
