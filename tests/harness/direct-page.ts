/**
 * A test page that builds direct messages as the app would wire them (the app's peer session,
 * the device-wide files service, the direct service on IndexedDB) and mounts DirectPanel, for
 * tests/e2e/direct.spec.ts until the app shows the panel itself. Workplaces are stood in for by
 * one named "Acme" whose invite links and joins are recorded on `window.directPage`.
 */
import { mount } from 'svelte'
import { createPeerSession } from '../../src/app/peer-session.ts'
import { DirectService } from '../../src/direct/direct-service.ts'
import { createIdbDirectStore } from '../../src/direct/idb-direct-store.ts'
import { createFilesService } from '../../src/files/files-service.ts'
import DirectPanel from '../../src/ui/direct/DirectPanel.svelte'

const joined: string[] = []

const session = await createPeerSession({
  indexedDB,
  WebSocket,
  localStorage,
  document,
  pageUrl: location.href,
})
const files = await createFilesService({
  mesh: session.meshPort,
  indexedDB,
  localStorage,
})
const direct = await DirectService.open({
  identity: session.identity,
  profile: session.profile,
  mesh: session.meshPort,
  files: files.transfers,
  store: await createIdbDirectStore(),
})
direct.invites.setWorkplaces({
  list: () => [{ id: 'wp-e2e', name: 'Acme <b>Inc</b>' }],
  on: () => () => {},
  inviteInto: async (id) => `${location.origin}/#join=${id}`,
  openLink: (url) => joined.push(url),
})
mount(DirectPanel, { target: document.getElementById('direct')!, props: { direct } })

const page = {
  peerId: session.identity.peerId,
  setName: (name: string) => session.profile.setName(name),
  joined,
  /** Bytes this device has sent of its files (0 when nothing was fetched). */
  bytesUploaded: () => files.transfers.uploads().reduce((sum, u) => sum + u.bytesSent, 0),
  /** Whether this device holds any record of a file (a declined one must have none). */
  holds: async (fileId: string) =>
    (await files.transfers.store.getRecord(fileId as never)) !== undefined,
}

declare global {
  interface Window {
    directPage: typeof page
  }
}

window.directPage = page
