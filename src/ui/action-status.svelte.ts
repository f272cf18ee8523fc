/** The text shown for a thrown value: an error's message, else the value as text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Runs what a user asked for and keeps why the last attempt failed, for a component to show.
 * The message is cleared as the next attempt starts.
 */
export class ActionStatus {
  /** Why the last action failed; '' when it did not. */
  error = $state('')

  /**
   * Runs `action` (sync or async); resolves true when it succeeded, false when it threw (its
   * message is then in `error`). A synchronous action runs before this returns.
   */
  async run(action: () => unknown): Promise<boolean> {
    this.error = ''
    try {
      await action()
      return true
    } catch (e) {
      this.error = errorText(e)
      return false
    }
  }
}
