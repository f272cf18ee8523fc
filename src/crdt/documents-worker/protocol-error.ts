/** A message that does not follow the protocol: said clearly, never acted on. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}
