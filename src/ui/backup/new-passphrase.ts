/** The shortest passphrase a backup or the storage lock accepts. */
const MIN_PASSPHRASE = 8

/** What is wrong with a new passphrase typed twice, in words; null when it will do. */
export function newPassphraseProblem(passphrase: string, repeat: string): string | null {
  if (passphrase.length < MIN_PASSPHRASE) {
    return `Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`
  }
  if (passphrase !== repeat) return 'The two passphrases differ.'
  return null
}
