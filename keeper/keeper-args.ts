import { parseArgs } from 'node:util'
import { parseBytes } from './keeper-status.ts'

export interface KeeperArgs {
  command: 'run' | 'status' | 'help'
  dataDir: string
  relays: string[]
  invites: string[]
  storageBytes: number
  name: string
  stun: string[]
  verbose: boolean
}

export const USAGE = `Usage:
  npm run keeper -- [options]          run the keeper
  npm run keeper -- status [--data D]  print what a keeper holds

Options:
  --data <folder>    data folder (device key, documents, file chunks); default ./keeper-data
  --invite <link>    join the workplace of an invite link (repeatable)
  --relay <url>      relay WebSocket URL, e.g. wss://example.org/relay (repeatable, tried in
                     order); default: the relays the data folder remembers, else the invite's
  --storage <size>   space offered for file replicas, e.g. 20GB; default 20GB
  --name <name>      the name members see; default "Keeper"
  --stun <url>       a STUN/TURN server URL for WebRTC (repeatable); default none
  --verbose          log the peer layer's detail too`

export const DEFAULT_STORAGE = '20GB'

/** Reads the command line; throws a readable Error for a bad one. */
export function parseKeeperArgs(argv: readonly string[]): KeeperArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      data: { type: 'string', default: './keeper-data' },
      invite: { type: 'string', multiple: true, default: [] },
      relay: { type: 'string', multiple: true, default: [] },
      storage: { type: 'string', default: DEFAULT_STORAGE },
      name: { type: 'string', default: 'Keeper' },
      stun: { type: 'string', multiple: true, default: [] },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command = 'run', ...rest] = positionals
  if (rest.length > 0 || !['run', 'status', 'help'].includes(command)) {
    throw new Error(`unknown command: ${positionals.join(' ')}`)
  }
  for (const url of values.relay) {
    if (!/^wss?:\/\//.test(url)) throw new Error(`a relay is a ws:// or wss:// URL: ${url}`)
  }
  return {
    command: values.help ? 'help' : (command as KeeperArgs['command']),
    dataDir: values.data,
    relays: values.relay,
    invites: values.invite,
    storageBytes: parseBytes(values.storage),
    name: values.name,
    stun: values.stun,
    verbose: values.verbose,
  }
}
