/**
 * Bench-only timestamps of a chat message's hops (bench/chat-hops.ts): nothing is recorded
 * unless a bench put an array at `globalThis.peerplaceHops` in that page or worker.
 */
type Hops = [stage: string, key: string, at: number][]

export function hopsOn(): boolean {
  return Array.isArray((globalThis as { peerplaceHops?: unknown }).peerplaceHops)
}

export function hopMark(stage: string, key: string): void {
  const hops = (globalThis as { peerplaceHops?: Hops }).peerplaceHops
  if (hops) hops.push([stage, key, performance.timeOrigin + performance.now()])
}

/** A change's key across threads and pages: its chunk checksum (bytes 4-7). */
export function changeKey(change: Uint8Array): string {
  let key = ''
  for (let i = 4; i < 8 && i < change.byteLength; i++)
    key += change[i]!.toString(16).padStart(2, '0')
  return key
}
