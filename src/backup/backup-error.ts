/** Why a backup could not be read or restored; `code` lets the UI pick its words. */
export type BackupErrorCode =
  | 'not-a-backup'
  | 'unsupported-version'
  | 'wrong-passphrase'
  | 'truncated'
  | 'damaged'
  | 'invalid-content'
  | 'cannot-back-up'
  | 'cancelled'

/** A backup problem with a message a person can act on. Nothing was written when it is thrown. */
export class BackupError extends Error {
  readonly code: BackupErrorCode

  constructor(code: BackupErrorCode, message: string) {
    super(message)
    this.name = 'BackupError'
    this.code = code
  }
}
