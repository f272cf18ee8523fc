import { registerSW } from 'virtual:pwa-register'
import {
  PwaController,
  type InstallPromptEvent,
  type RegisterServiceWorker,
} from './pwa-controller.ts'

/**
 * The PwaController of this page: the service worker through vite-plugin-pwa's workbox-window
 * registration, install prompts from `window`. Not started; call `start()`. With `registerAfter`
 * the worker is registered only once it settles (the app's documents open), so that installing
 * it (its precache) does not compete with the first visit's own loads.
 */
export function createBrowserPwa(
  window: Window,
  earlyPrompt?: () => InstallPromptEvent | null,
  registerAfter?: Promise<unknown>,
): PwaController {
  const register: RegisterServiceWorker = registerAfter
    ? (options) => {
        const registered = registerAfter.then(
          () => registerSW(options),
          () => registerSW(options),
        )
        return (reloadPage) => registered.then((update) => update(reloadPage))
      }
    : registerSW
  return new PwaController({
    register,
    events: window,
    standalone: () => window.matchMedia('(display-mode: standalone)').matches,
    ...(earlyPrompt ? { earlyPrompt } : {}),
  })
}
