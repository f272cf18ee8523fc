/**
 * Short-lived TURN credentials in the "TURN REST" scheme that coturn checks with
 * `use-auth-secret`: the user name is `<expiry unix seconds>:<peer ID>` and the password is
 * base64(HMAC-SHA1(shared secret, user name)). No state: the TURN server recomputes it.
 */
import { createHmac } from 'node:crypto'

export interface TurnCredentials {
  username: string
  credential: string
  /** Unix seconds after which the TURN server refuses them. */
  expiresAt: number
}

/** Credentials for `peer`, valid for `ttlSeconds` from `nowMs`. */
export function turnCredentials(
  secret: string,
  peer: string,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds
  const username = `${expiresAt}:${peer}`
  const credential = createHmac('sha1', secret).update(username).digest('base64')
  return { username, credential, expiresAt }
}
