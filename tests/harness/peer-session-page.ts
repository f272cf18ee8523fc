/**
 * A test page that runs the app's own peer session (createPeerSession, as src/main.ts does)
 * and exposes its API as the UI uses it (pairing, tab status), for
 * tests/e2e/peer-session.spec.ts. The pairing screens are tested in the app by pairing.spec.ts.
 */
import { createPeerSession, type PeerSession } from '../../src/app/peer-session.ts'
import type { PairingAnswer, PairingOffer } from '../../src/peer/mesh/manual-pairing.ts'

let session: PeerSession | undefined
let offer: PairingOffer | undefined
let answer: PairingAnswer | undefined

const driver = {
  async start(): Promise<string> {
    session = await createPeerSession({
      indexedDB,
      WebSocket,
      localStorage,
      document,
      pageUrl: location.href,
    })
    return session.identity.peerId
  },
  async createOffer(): Promise<string> {
    offer = await session!.pairing.createOffer()
    return offer.code
  },
  async acceptOffer(code: string): Promise<string> {
    answer = await session!.pairing.acceptOffer(code)
    return answer.code
  },
  /** Resolves with the peer once linked, or with the error's message. */
  complete: (code: string) => offer!.complete(code).catch((e: Error) => `error: ${e.message}`),
  answerLinked: () => answer!.linked,
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
