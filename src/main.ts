import { mount, tick } from 'svelte'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'
import { afterPaintOf } from './app/first-paint.ts'
import { readSavedWorkplaces } from './app/saved-workplaces.ts'
import { createIndexedDbWorkplaceList } from './crdt/workplace/workplace-list.ts'
import { shareToWorkplace } from './app/share-to-workplace.ts'
import { createBrowserPwa } from './pwa/browser-pwa.ts'
import { captureInstallPrompt } from './pwa/pwa-controller.ts'
import { directShareDestinations } from './direct/share-destinations.ts'
import { combineShareDestinations, workplaceShareDestinations } from './pwa/share-destinations.ts'
import { StoragePersistence, watchPersistenceTriggers } from './backup/storage-persistence.ts'
import { persistenceSources } from './backup/persistence-sources.ts'
import { createDeviceData } from './backup/device-data.ts'

// Before anything async: the browser may offer installation once, early.
const earlyInstallPrompt = captureInstallPrompt(window)
const target = document.getElementById('app')!
const workplaceIndex = createIndexedDbWorkplaceList()
const saved = readSavedWorkplaces(workplaceIndex)
// The list is painted from the index first; Automerge follows. An invite or workplace link
// needs the documents at once, so it does not wait.
const needsDocumentsNow = /^#(join|ask)=/.test(location.hash)
let painted: () => void = () => {}
const listPainted = new Promise<void>((resolve) => (painted = resolve))
const pwa = createBrowserPwa(window, earlyInstallPrompt)
const persistence = new StoragePersistence({ manager: navigator.storage, memory: localStorage })
const shell = createShell({
  indexedDB,
  WebSocket,
  localStorage,
  document,
  ...(navigator.storage ? { storageManager: navigator.storage } : {}),
  pageUrl: location.href,
  workplaceIndex,
  ...(needsDocumentsNow ? {} : { documentsAfter: afterPaintOf(listPainted) }),
}).then((started) => ({
  ...started,
  data: createDeviceData({
    persistence,
    indexedDB,
    localStorage,
    peerId: started.peerId,
    prepareDatabases: () =>
      import('./backup/prepare-app-databases.ts').then((m) => m.prepareAppDatabases(indexedDB)),
    // A restore writes only after the whole file checked out; first this tab stops writing.
    quiesce: async () => {
      const app = await started.workplaces.catch(() => undefined)
      await app?.stack.shutdown()
      started.session.close()
    },
    exports: () =>
      Promise.all([started.workplaces, import('./backup/export/workplace-export.ts')]).then(
        ([app, { createWorkplaceExports }]) => createWorkplaceExports(app),
      ),
  }),
}))
const workplaces = shell.then((started) => started.workplaces)
workplaces.then(
  (app) => {
    watchPersistenceTriggers(persistence, persistenceSources(app, pwa))
    // Sync diagnostics for the browser console and benchmarks: `peerplaceSyncReport()`.
    Object.assign(window, { peerplaceSyncReport: () => app.syncReport() })
  },
  () => {}, // App shows why.
)
const share = workplaces.then((app) =>
  combineShareDestinations(
    workplaceShareDestinations(app, (workplaceId, item) =>
      shareToWorkplace(app, workplaceId, item),
    ),
    directShareDestinations(app.direct),
  ),
)
mount(App, { target, props: { shell, saved, pwa, share } })
// Svelte shows the list a microtask after the index is read; then the next frame paints it.
void saved.then(() => tick()).then(painted)
