import type { PwaController, PwaState } from '../../pwa/pwa-controller.ts'
import { ExternalState } from '../external-state.ts'

/** The controller's state, read into runes. */
export function pwaState(pwa: PwaController): ExternalState<PwaState> {
  return new ExternalState(
    () => pwa.state,
    (update) => pwa.on('change', update),
  )
}
