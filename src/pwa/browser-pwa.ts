import { registerSW } from 'virtual:pwa-register'
import { PwaController, type InstallPromptEvent } from './pwa-controller.ts'

/**
 * The PwaController of this page: the service worker through vite-plugin-pwa's workbox-window
 * registration, install prompts from `window`. Not started; call `start()`.
 */
export function createBrowserPwa(
  window: Window,
  earlyPrompt?: () => InstallPromptEvent | null,
): PwaController {
  return new PwaController({
    register: registerSW,
    events: window,
    standalone: () => window.matchMedia('(display-mode: standalone)').matches,
    ...(earlyPrompt ? { earlyPrompt } : {}),
  })
}
