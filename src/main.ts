import { mount, unmount } from 'svelte'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'
import { createIndexedDbWorkplaceList } from './crdt/workplace/workplace-list.ts'
import { shareToWorkplace } from './app/share-to-workplace.ts'
import { createBrowserPwa } from './pwa/browser-pwa.ts'
import { captureInstallPrompt } from './pwa/pwa-controller.ts'
import { directShareDestinations } from './direct/share-destinations.ts'
import { combineShareDestinations, workplaceShareDestinations } from './pwa/share-destinations.ts'
import { StoragePersistence, watchPersistenceTriggers } from './backup/storage-persistence.ts'
import { persistenceSources } from './backup/persistence-sources.ts'
import { createDeviceData } from './backup/device-data.ts'
import type { ShellModel } from './app/shell-model.ts'
import { StorageLock } from './vault/storage-lock.ts'
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
try {
  const vault = Vault.open()
  let opened: (shell: ShellModel) => void = () => {}
  const shellOpened = new Promise<ShellModel>((resolve) => (opened = resolve))
  const lock = new StorageLock({
    vault,
    settings: localStorage,
    stores: async () => (await (await shellOpened).workplaces).sealedStores,
  })
  if (lock.needsUnlock) await unlockStorage(target, lock)
  const shell = await createShell({
    indexedDB,
    WebSocket,
    localStorage,
    document,
    ...(navigator.storage ? { storageManager: navigator.storage } : {}),
    pageUrl: location.href,
    workplaceIndex: createIndexedDbWorkplaceList(),
    vault,
  })
  opened(shell)
  // A re-encryption an earlier session left halfway is finished in the background.
  void shell.workplaces
    .then(() => lock.resume())
    .catch((error: unknown) => console.warn('storage lock: re-encryption not finished', error))
  const pwa = createBrowserPwa(window, earlyInstallPrompt)
  const persistence = new StoragePersistence({ manager: navigator.storage, memory: localStorage })
  void shell.workplaces.then((app) =>
    watchPersistenceTriggers(persistence, persistenceSources(app, pwa)),
  )
  const data = createDeviceData({
    persistence,
    lock,
    indexedDB,
    localStorage,
    peerId: shell.peerId,
    prepareDatabases: () =>
      import('./backup/prepare-app-databases.ts').then((m) => m.prepareAppDatabases(indexedDB)),
    // A restore writes only after the whole file checked out; first this tab stops writing.
    quiesce: async () => {
      const app = await shell.workplaces.catch(() => undefined)
      await app?.stack.shutdown()
      shell.session.close()
    },
    exports: () =>
      Promise.all([shell.workplaces, import('./backup/export/workplace-export.ts')]).then(
        ([app, { createWorkplaceExports }]) => createWorkplaceExports(app),
      ),
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
    props: { shell: { ...shell, data }, pwa, share },
  })
} catch (error) {
  console.error('Peerplace could not start', error)
  target.textContent = `Peerplace could not start: ${error instanceof Error ? error.message : String(error)}`
}
