/**
 * A test page that runs the app's own peer session (createPeerSession, as src/main.ts does)
 * with the manual pairing component mounted, until the app's screens include it. Driven by
 * tests/e2e/peer-session.spec.ts: the test starts the session, then uses the component.
 */
import { mount } from 'svelte'
import { createPeerSession, type PeerSession } from '../../src/app/peer-session.ts'
import ManualPairing from '../../src/ui/pairing/ManualPairing.svelte'

let session: PeerSession | undefined

const driver = {
  async start(): Promise<string> {
    session = await createPeerSession({
      indexedDB,
      WebSocket,
      localStorage,
      pageUrl: location.href,
    })
    mount(ManualPairing, {
      target: document.getElementById('app')!,
      props: { pairing: session.pairing },
    })
    return session.identity.peerId
  },
  linkedPeers: () => [...(session?.mesh.linkedPeers() ?? [])],
  connection: () => ({ state: session!.connection.state, endpoint: session!.connection.endpoint }),
  tabActive: () => session!.tab.active,
  takeOver: () => session!.tab.takeOver(),
}

declare global {
  interface Window {
    sessionDriver: typeof driver
  }
}

window.sessionDriver = driver
