import type { ConnectionStatus } from '../app/shell-model.ts'

/** What the header shows while the device's keys load, before there is a connection. */
export const STARTING_CONNECTION: ConnectionStatus = {
  state: 'connecting',
  endpoint: '',
  on: () => () => {},
}
