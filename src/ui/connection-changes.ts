import type { ConnectionStatus } from '../app/shell-model.ts'

/**
 * Calls `update` whenever anything shown of the connection may have changed: its state, or one
 * of its carriers. The endpoint in use changes without the state changing when a second
 * carrier opens beside one already open (the broker first, the relay a moment later).
 */
export function onConnectionChange(connection: ConnectionStatus, update: () => void): () => void {
  const offs = [connection.on('state', update), connection.onCarriersChange?.(update)]
  return () => offs.forEach((off) => off?.())
}
