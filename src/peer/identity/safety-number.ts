import { sha256 } from '@noble/hashes/sha2.js'

const DOMAIN = new TextEncoder().encode('peerplace-safety-number-v1')

/**
 * A short fingerprint of two public keys that both people see alike and compare out of band
 * ("4821 0937 5562"). Order-independent: safetyNumber(a, b) === safetyNumber(b, a).
 * 12 digits, three groups of four, each from 5 bytes of SHA-256 over the sorted keys.
 */
export function safetyNumber(a: Uint8Array, b: Uint8Array): string {
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a]
  const input = new Uint8Array(DOMAIN.length + 2 + first.length + second.length)
  input.set(DOMAIN, 0)
  input[DOMAIN.length] = first.length
  input.set(first, DOMAIN.length + 1)
  input[DOMAIN.length + 1 + first.length] = second.length
  input.set(second, DOMAIN.length + 2 + first.length)
  const digest = sha256(input)
  const groups: string[] = []
  for (let group = 0; group < 3; group++) {
    let value = 0
    for (let i = 0; i < 5; i++) value = value * 256 + (digest[group * 5 + i] ?? 0)
    groups.push(String(value % 10_000).padStart(4, '0'))
  }
  return groups.join(' ')
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return a.length - b.length
}
