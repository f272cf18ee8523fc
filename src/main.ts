import { mount, tick, unmount } from 'svelte'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'
import { afterPaintOf } from './app/first-paint.ts'
import { readSavedWorkplaces } from './app/saved-workplaces.ts'
import { createIndexedDbSummaryStore } from './crdt/workplace/summary-store.ts'
import { WorkplaceSummaries } from './app/workplace-summaries.ts'
import { createIndexedDbWorkplaceList } from './crdt/workplace/workplace-list.ts'
import { shareToWorkplace } from './app/share-to-workplace.ts'
import { createBrowserPwa } from './pwa/browser-pwa.ts'
import { captureInstallPrompt } from './pwa/pwa-controller.ts'
import { keepOnDemandAssets } from './pwa/on-demand-assets.ts'
import { directShareDestinations } from './app/direct-share-destinations.ts'
import { combineShareDestinations, workplaceShareDestinations } from './pwa/share-destinations.ts'
import { StoragePersistence, watchPersistenceTriggers } from './backup/storage-persistence.ts'
import { persistenceSources } from './app/persistence-sources.ts'
import { createDeviceData } from './backup/device-data.ts'
import { findInterruptedRestore } from './backup/interrupted-restore.ts'
import { StorageLock, type Resealable } from './vault/storage-lock.ts'
import { VAULT_CONFIG_KEY } from './vault/vault-config.ts'
import { Vault } from './vault/vault.ts'
import UnlockScreen from './ui/vault/UnlockScreen.svelte'

/** Shows the unlock screen until the storage lock's passphrase is given. */
function unlockStorage(target: HTMLElement, lock: StorageLock): Promise<void> {
  return new Promise((resolve) => {
    const screen = mount(UnlockScreen, {
      target,
      props: {
        lock,
        onunlocked: () => {
          void unmount(screen)
          resolve()
        },
      },
    })
  })
}

// Before anything async: the browser may offer installation once, early.
const earlyInstallPrompt = captureInstallPrompt(window)
const target = document.getElementById('app')!
const prepareDatabases = () =>
  import('./backup/prepare-app-databases.ts').then((m) => m.prepareAppDatabases(indexedDB))
// A restore cut short left this device holding part of a backup: nothing it stores is opened
// until the person finishes the restore or erases it; the screen then reloads the page.
const interrupted = findInterruptedRestore({ indexedDB, localStorage, prepareDatabases })
if (interrupted) {
  const { default: Screen } = await import('./ui/backup/InterruptedRestoreScreen.svelte')
  mount(Screen, { target, props: { interrupted, reload: () => location.reload() } })
  await new Promise<never>(() => {})
}
const vault = Vault.open()
const lock: StorageLock = (() => {
  try {
    return new StorageLock({
      vault,
      settings: localStorage,
      stores: async (): Promise<readonly Resealable[]> => (await workplaces).sealedStores,
    })
  } catch (error) {
    target.textContent = `Peerplace could not start: ${error instanceof Error ? error.message : String(error)}`
    throw error
  }
})()
// With the storage lock on, nothing stored is opened before the passphrase is given.
if (lock.needsUnlock) await unlockStorage(target, lock)
// Another tab turned the lock on or off: this one would go on writing the old way, so it starts
// again (asking for the passphrase if the lock is now on).
window.addEventListener('storage', (event) => {
  if (event.key === VAULT_CONFIG_KEY && (event.oldValue === null) !== (event.newValue === null)) {
    location.reload()
  }
})
const workplaceIndex = createIndexedDbWorkplaceList()
const summaries = new WorkplaceSummaries(createIndexedDbSummaryStore(vault))
// The list paints with each workplace's last activity, read beside the index.
const saved = Promise.all([readSavedWorkplaces(workplaceIndex), summaries.loaded]).then(([s]) => s)
// The list is painted from the index first; Automerge follows. An invite or workplace link
// needs the documents at once, so it does not wait.
const needsDocumentsNow = /^#(join|ask)=/.test(location.hash)
let painted: () => void = () => {}
const listPainted = new Promise<void>((resolve) => (painted = resolve))
// The documents worker runs the chat's, the contact book's and the file index's CRDT work
// (loading, signature checks, receipts, imports, reading rows, storing) off the thread that
// paints and takes input: a chat shard loading on the page held typed keys for over a second
// (tests/e2e/chat-history-responsive.spec.ts). `peerplace.chat-worker` = `off` keeps the chat on
// the page (for diagnosis: comparing the two on the chat bench, PEERPLACE_CHAT_WORKER=off).
const chatInWorker = localStorage.getItem('peerplace.chat-worker') !== 'off'
const inWorker: ('chat' | 'contacts' | 'files')[] = chatInWorker
  ? ['chat', 'contacts', 'files']
  : ['contacts', 'files']
let documentsWorkerStarted: Worker | undefined
const documentsWorker = () =>
  (documentsWorkerStarted ??= new Worker(
    new URL('./app/documents-worker-entry.ts', import.meta.url),
    { type: 'module', name: 'peerplace-documents' },
  ))
// The network and the documents start once the list is on screen; a link needs them at once.
const afterPaint = afterPaintOf(listPainted)
void afterPaint.then(documentsWorker)
const persistence = new StoragePersistence({ manager: navigator.storage, memory: localStorage })
const shell = createShell({
  indexedDB,
  WebSocket,
  localStorage,
  document,
  ...(navigator.storage ? { storageManager: navigator.storage } : {}),
  pageUrl: location.href,
  workplaceIndex,
  vault,
  documentsWorker,
  inWorker,
  summaries,
  ...(needsDocumentsNow
    ? { openedLink: location.href }
    : { documentsAfter: afterPaint, networkAfter: afterPaint }),
}).then((started) => ({
  ...started,
  data: createDeviceData({
    persistence,
    lock,
    indexedDB,
    localStorage,
    peerId: started.peerId,
    prepareDatabases,
    // A restore writes only after the whole file checked out; first this tab stops writing.
    quiesce: async () => {
      const app = await started.workplaces.catch(() => undefined)
      await app?.stack.shutdown()
      started.close()
    },
    exports: () =>
      Promise.all([started.workplaces, import('./backup/export/workplace-export.ts')]).then(
        ([app, { createWorkplaceExports }]) => createWorkplaceExports(app),
      ),
  }),
}))
const workplaces = shell.then((started) => started.workplaces)
// The service worker installs once the documents are open: its precache waits for the first load.
const pwa = createBrowserPwa(window, earlyInstallPrompt, workplaces)
workplaces.then(
  (app) => {
    watchPersistenceTriggers(persistence, persistenceSources(app, pwa))
    // Automerge's wasm is loaded now: the service worker keeps it for starting offline.
    void keepOnDemandAssets(navigator.serviceWorker)
    // Sync diagnostics for the browser console and benchmarks: `peerplaceSyncReport()`.
    Object.assign(window, { peerplaceSyncReport: () => app.syncReport() })
    // A re-encryption an earlier session left halfway is finished in the background.
    lock
      .resume()
      .catch((error: unknown) => console.warn('storage lock: re-encryption not finished', error))
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
mount(App, {
  target,
  props: {
    shell,
    saved,
    summaries,
    pwa,
    share,
    joining: needsDocumentsNow,
    screenAfter: afterPaint,
  },
})
// Svelte shows the list a microtask after the index is read; then the next frame paints it.
void saved.then(() => tick()).then(painted)
