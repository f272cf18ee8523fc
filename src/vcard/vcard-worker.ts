/** The vCard reader in a Web Worker, so reading a big file never blocks the page. */
import { streamVCards } from './vcard-stream.ts'
import { isParseRequest } from './vcard-worker-protocol.ts'

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<unknown>) => void) | null
  postMessage(message: unknown): void
}

scope.onmessage = (event) => {
  if (!isParseRequest(event.data)) {
    scope.postMessage({
      kind: 'checked',
      ok: false,
      errors: [{ line: 0, message: 'Not a request to read vCards.' }],
    })
    return
  }
  streamVCards(event.data.text, (reply) => scope.postMessage(reply))
}
