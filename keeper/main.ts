/**
 * The keeper: an always-on member of workplaces, run headless in Node (`npm run keeper`).
 * See USAGE in keeper-args.ts and the README's "Keeper" section.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { format } from 'node:util'
import { decodeWorkplaceLink } from '../src/crdt/workplace/invite-link.ts'
import { lockDataFolder, runningOwner, savedRelays, saveRelays } from './data-folder.ts'
import { parseKeeperArgs, USAGE, type KeeperArgs } from './keeper-args.ts'
import { createKeeperLog } from './keeper-log.ts'
import { Keeper } from './keeper-node.ts'
import { formatStatus, readStatus, writeStatus } from './keeper-status.ts'
import { EXIT_CONFIG } from './supervisor.ts'

const STATUS_EVERY_MS = 2000

async function run(args: KeeperArgs): Promise<void> {
  const log = createKeeperLog({
    write: (line) => process.stdout.write(`${line}\n`),
    verbose: args.verbose,
  })
  // What the shared layers report (dropped messages, retries) becomes one log line each too.
  console.warn = (...parts: unknown[]) => log.event('warning', { message: format(...parts) })
  console.error = (...parts: unknown[]) => log.event('error', { message: format(...parts) })
  console.info = (...parts: unknown[]) => log.event('info', { message: format(...parts) })
  const unlock = await lockDataFolder(args.dataDir)
  const relays = args.relays.length > 0 ? args.relays : await relaysFromElsewhere(args)
  if (relays.length === 0) throw new Error('no relay known: give --relay <url>')
  await saveRelays(args.dataDir, relays)
  log.event('start', { pid: process.pid, data: args.dataDir, relays: relays.join(',') })
  const keeper = await Keeper.start({
    dataDir: args.dataDir,
    relays,
    invites: args.invites,
    storageBytes: args.storageBytes,
    name: args.name,
    iceServers: args.stun.length > 0 ? [{ urls: args.stun }] : [],
    log,
  })
  const report = async (extra: { stoppedAt?: string } = {}) =>
    writeStatus(args.dataDir, { ...(await keeper.status()), ...extra })
  let reporting = Promise.resolve()
  const timer = setInterval(() => {
    reporting = reporting
      .then(() => report())
      .catch((error: unknown) => log.event('error', { what: 'status', error: String(error) }))
  }, STATUS_EVERY_MS)
  await report()
  log.event('ready', { peer: keeper.session.identity.peerId })
  await crashOnceForTests(args.dataDir)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.event('stopping', { signal })
    clearInterval(timer)
    await reporting
    // Stopping still needs the documents open, so the status is taken first.
    const last = { ...(await keeper.status()), stoppedAt: new Date().toISOString() }
    await keeper.close()
    await writeStatus(args.dataDir, last)
    await unlock()
    log.event('stopped', {})
    process.exit(0)
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void stop(signal))
  }
  // Started by the supervisor (supervise.ts): its channel closing means it is gone, however it
  // ended, and a keeper nobody supervises or stops must not hold the data folder on.
  process.on('disconnect', () => void stop('supervisor-gone'))
}

/**
 * Tests of the supervisor set PEERPLACE_KEEPER_TEST_CRASH=SIGSEGV: the keeper then dies of that
 * signal once per data folder, right after it is ready, as a native crash would end it.
 */
async function crashOnceForTests(dataDir: string): Promise<void> {
  const signal = process.env.PEERPLACE_KEEPER_TEST_CRASH
  if (signal !== 'SIGSEGV') return
  const marker = join(dataDir, 'test-crashed-once')
  try {
    await writeFile(marker, String(process.pid), { flag: 'wx' })
  } catch {
    return // crashed once already
  }
  process.kill(process.pid, signal)
}

/** Relays the data folder remembers, else those of the invite links. */
async function relaysFromElsewhere(args: KeeperArgs): Promise<string[]> {
  const saved = await savedRelays(args.dataDir)
  if (saved.length > 0) return saved
  const fromInvites = args.invites.flatMap((invite) => {
    try {
      return decodeWorkplaceLink(invite).endpoints
    } catch {
      return []
    }
  })
  return [...new Set(fromInvites)]
}

async function status(args: KeeperArgs): Promise<void> {
  const current = await readStatus(args.dataDir)
  if (!current) {
    console.info(`no keeper status in ${args.dataDir} (has a keeper run there?)`)
    process.exitCode = 1
    return
  }
  const owner = await runningOwner(args.dataDir)
  console.info(formatStatus(current, owner !== undefined && owner === current.pid))
}

// The supervisor's channel (if any) must not keep `status` or `help` from ending.
process.channel?.unref()
try {
  const args = parseKeeperArgs(process.argv.slice(2))
  if (args.command === 'help') console.info(USAGE)
  else if (args.command === 'status') await status(args)
  else await run(args)
} catch (error) {
  // Before it runs, a failure is the configuration's (arguments, data folder, relays): the
  // supervisor does not restart a keeper that would fail the same way again.
  console.error(`keeper: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(EXIT_CONFIG)
}
