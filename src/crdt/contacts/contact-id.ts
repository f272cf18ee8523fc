/** A random contact ID: 16 base32 characters (80 bits). */
export function randomContactId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => alphabet[b & 31]).join('')
}
