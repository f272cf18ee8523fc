import { mount } from 'svelte'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'
import { createIndexedDbWorkplaceList } from './crdt/workplace/workplace-list.ts'
import { shareToWorkplace } from './app/share-to-workplace.ts'
import { createBrowserPwa } from './pwa/browser-pwa.ts'
import { captureInstallPrompt } from './pwa/pwa-controller.ts'
import { directShareDestinations } from './direct/share-destinations.ts'
import { combineShareDestinations, workplaceShareDestinations } from './pwa/share-destinations.ts'

// Before anything async: the browser may offer installation once, early.
const earlyInstallPrompt = captureInstallPrompt(window)
const target = document.getElementById('app')!
try {
  const shell = await createShell({
    indexedDB,
    WebSocket,
    localStorage,
    document,
    ...(navigator.storage ? { storageManager: navigator.storage } : {}),
    pageUrl: location.href,
    workplaceIndex: createIndexedDbWorkplaceList(),
  })
  const share = shell.workplaces.then((app) =>
    combineShareDestinations(
      workplaceShareDestinations(app, (workplaceId, item) =>
        shareToWorkplace(app, workplaceId, item),
      ),
      directShareDestinations(app.direct),
    ),
  )
  // Sync diagnostics for the browser console and benchmarks: `peerplaceSyncReport()`.
  void shell.workplaces.then((app) =>
    Object.assign(window, { peerplaceSyncReport: () => app.syncReport() }),
  )
  mount(App, {
    target,
    props: { shell, pwa: createBrowserPwa(window, earlyInstallPrompt), share },
  })
} catch (error) {
  console.error('Peerplace could not start', error)
  target.textContent = `Peerplace could not start: ${error instanceof Error ? error.message : String(error)}`
}
