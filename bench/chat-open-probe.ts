/**
 * In-page code for `chat.open_50k_ms` (bench/chat-open.ts), installed with `addInitScript` before
 * the app loads; self-contained (Playwright sends its source). Times are `performance.now()`:
 * milliseconds since the page's navigation started.
 */

export interface OpenTimes {
  /** The workplace's button appeared in the list (and was clicked at once). */
  listed?: number
  /** The newest message's element was added to the chat list… */
  inDom?: number
  /** …and the frame holding it was painted (next animation frame, then a task). */
  painted?: number
  /**
   * The newest message's element was in the workplace's chat once that chat was open (before,
   * the chat may show the window this device saved last time: `inDom` counts that).
   */
  liveInDom?: number
  /** The last change to the chat list so far, and how many messages it held. */
  lastChange?: number
  count?: number
  /** With the storage lock on: the passphrase was submitted, and the unlock screen went. */
  unlockSubmitted?: number
  unlocked?: number
}

declare global {
  interface Window {
    chatOpenTimes?: OpenTimes
  }
}

/**
 * Opens the named workplace as soon as its button appears (as a person clicking at once would)
 * and records when the newest message is shown in its chat, which is the tab a workplace opens
 * on.
 */
export function installOpenProbe(args: {
  workplace: string
  newestId: string
  /** Typed into the unlock screen the moment it shows (the storage lock is on). */
  passphrase?: string
}): void {
  const times: OpenTimes = {}
  window.chatOpenTimes = times
  const newest = `[data-testid="chat-message"][data-id="${args.newestId}"]`
  const check = () => {
    const at = performance.now()
    if (args.passphrase !== undefined && times.unlockSubmitted === undefined) {
      const input = document.querySelector<HTMLInputElement>('[data-testid="unlock-passphrase"]')
      if (input?.form) {
        input.value = args.passphrase
        input.dispatchEvent(new Event('input', { bubbles: true }))
        times.unlockSubmitted = at
        input.form.requestSubmit()
      }
    }
    if (times.unlockSubmitted !== undefined && times.unlocked === undefined) {
      if (!document.querySelector('[data-testid="unlock-screen"]')) times.unlocked = at
    }
    if (times.listed === undefined) {
      const button = [
        ...document.querySelectorAll<HTMLButtonElement>('[data-testid="open-workplace"]'),
      ].find((b) => b.textContent?.includes(args.workplace))
      if (button) {
        times.listed = at
        button.click()
      }
    }
    if (times.inDom === undefined && document.querySelector(newest)) {
      times.inDom = at
      requestAnimationFrame(() => setTimeout(() => (times.painted = performance.now())))
    }
    const live = `[data-testid="workplace"] [data-testid="chat-log"]:not([aria-busy="true"]) ${newest}`
    if (times.liveInDom === undefined && document.querySelector(live)) times.liveInDom = at
    if (times.inDom !== undefined) {
      times.lastChange = at
      times.count = document.querySelectorAll('[data-testid="chat-message"]').length
    }
  }
  new MutationObserver(check).observe(document, { childList: true, subtree: true })
}
