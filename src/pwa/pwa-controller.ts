import { Emitter } from '../lib/emitter.ts'

/** What the app-level PWA UI shows. */
export interface PwaState {
  /** The shell is cached: the app starts with no network from now on. */
  readonly offlineReady: boolean
  /** A new version is installed and waits for the person's word to take over. */
  readonly updateAvailable: boolean
  /** The browser offered installation (beforeinstallprompt) and it has not been used yet. */
  readonly canInstall: boolean
  /** Running as an installed app (standalone display) or installed during this visit. */
  readonly installed: boolean
  /** Why the service worker could not be registered, if it could not. */
  readonly error: string | null
}

export interface PwaEvents extends Record<string, unknown> {
  change: PwaState
}

/** The browser's install prompt event (not in TypeScript's DOM types). */
export interface InstallPromptEvent extends Event {
  prompt(): Promise<unknown>
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

/** vite-plugin-pwa's `registerSW` (virtual:pwa-register), injected so tests can fake it. */
export type RegisterServiceWorker = (options: {
  immediate?: boolean
  onNeedRefresh?: () => void
  onOfflineReady?: () => void
  onRegisterError?: (error: unknown) => void
}) => (reloadPage?: boolean) => Promise<void>

export interface PwaControllerOptions {
  register: RegisterServiceWorker
  /** Where beforeinstallprompt and appinstalled arrive (the window). */
  events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
  /** Whether the page runs as an installed app, e.g. `matchMedia('(display-mode: standalone)')`. */
  standalone: () => boolean
  /** An install prompt caught before the controller existed (see captureInstallPrompt). */
  earlyPrompt?: () => InstallPromptEvent | null
}

/**
 * Service worker registration, the "update available" prompt and the install button's state.
 * Nothing happens at import: `start()` registers and listens.
 */
export class PwaController extends Emitter<PwaEvents> {
  readonly #options: PwaControllerOptions
  #state: PwaState
  #prompt: InstallPromptEvent | null = null
  #applyUpdate: ((reloadPage?: boolean) => Promise<void>) | null = null
  #stop: (() => void) | null = null

  constructor(options: PwaControllerOptions) {
    super()
    this.#options = options
    this.#state = {
      offlineReady: false,
      updateAvailable: false,
      canInstall: false,
      installed: options.standalone(),
      error: null,
    }
  }

  get state(): PwaState {
    return this.#state
  }

  start(): void {
    if (this.#stop) return
    const { events } = this.#options
    const onPrompt = (event: Event) => this.#offer(event as InstallPromptEvent)
    const onInstalled = () => {
      this.#prompt = null
      this.#set({ canInstall: false, installed: true })
    }
    events.addEventListener('beforeinstallprompt', onPrompt)
    events.addEventListener('appinstalled', onInstalled)
    this.#stop = () => {
      events.removeEventListener('beforeinstallprompt', onPrompt)
      events.removeEventListener('appinstalled', onInstalled)
    }
    const early = this.#options.earlyPrompt?.()
    if (early) this.#offer(early)
    this.#applyUpdate = this.#options.register({
      immediate: true,
      onNeedRefresh: () => this.#set({ updateAvailable: true }),
      onOfflineReady: () => this.#set({ offlineReady: true }),
      onRegisterError: (error) =>
        this.#set({ error: error instanceof Error ? error.message : String(error) }),
    })
  }

  /** Lets the waiting version take over; the page reloads once it controls it. */
  async update(): Promise<void> {
    await this.#applyUpdate?.(true)
  }

  /** Hides the update prompt until the next update is found. */
  dismissUpdate(): void {
    this.#set({ updateAvailable: false })
  }

  /** Shows the browser's install dialog; resolves with what the person chose. */
  async install(): Promise<'accepted' | 'dismissed' | 'unavailable'> {
    const prompt = this.#prompt
    if (!prompt) return 'unavailable'
    this.#prompt = null // a prompt event can be used once
    this.#set({ canInstall: false })
    await prompt.prompt()
    const { outcome } = await prompt.userChoice
    if (outcome === 'accepted') this.#set({ installed: true })
    return outcome
  }

  stop(): void {
    this.#stop?.()
    this.#stop = null
  }

  #offer(event: InstallPromptEvent): void {
    event.preventDefault() // keep the browser's own mini-infobar away; we show a button
    this.#prompt = event
    this.#set({ canInstall: true })
  }

  #set(patch: Partial<PwaState>): void {
    this.#state = { ...this.#state, ...patch }
    this.emit('change', this.#state)
  }
}

/**
 * Catches an install prompt that fires before the app has mounted, for `earlyPrompt`. Call it
 * first thing in main.ts; returns the getter to pass on.
 */
export function captureInstallPrompt(
  events: Pick<EventTarget, 'addEventListener'>,
): () => InstallPromptEvent | null {
  let caught: InstallPromptEvent | null = null
  events.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault()
    caught = event as InstallPromptEvent
  })
  events.addEventListener('appinstalled', () => (caught = null))
  return () => {
    const event = caught
    caught = null
    return event
  }
}
