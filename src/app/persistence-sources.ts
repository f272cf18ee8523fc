import type { WorkplacesApp } from './workplaces-app.ts'
import type { PwaController } from '../pwa/pwa-controller.ts'
import type { PersistenceSources } from '../backup/storage-persistence.ts'

/** The persistence triggers read from the running app and its PWA controller. */
export function persistenceSources(app: WorkplacesApp, pwa: PwaController): PersistenceSources {
  return {
    hasWorkplace: () => app.list().some((wp) => wp.isMember(wp.self)),
    onWorkplacesChange: (listener) => app.on('change', listener),
    onFileStored: (listener) => app.files.transfers.on('complete', listener),
    installed: () => pwa.state.installed,
    onInstallChange: (listener) => pwa.on('change', listener),
  }
}
