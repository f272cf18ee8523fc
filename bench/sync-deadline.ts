/**
 * Deadlines for a benchmark's waits on sync: a wait that runs out throws a `StallError` naming
 * the step, with every device's sync state (see src/crdt/sync/sync-report.ts) in its message.
 */
import type { Page } from 'playwright-core'
import { formatSyncReport, type SyncReport } from '../src/crdt/sync/sync-report.ts'
import type { NodeDevice } from '../tests/e2e/support/node-device.ts'

/** A device whose sync state can be read; undefined when it cannot say (page closed, hung). */
export interface ReportingDevice {
  readonly name: string
  report(): Promise<SyncReport | undefined>
}

export class StallError extends Error {
  constructor(
    readonly step: string,
    readonly state: string,
  ) {
    super(`timed out: ${step}\n${state}`)
  }
}

const REPORT_TIMEOUT_MS = 5000

/** A browser page of the app, read through its `peerplaceSyncReport()` hook. */
export function pageDevice(name: string, page: () => Page | undefined): ReportingDevice {
  return {
    name,
    async report() {
      const p = page()
      if (!p || p.isClosed()) return undefined
      const read = p
        .evaluate(() =>
          (window as unknown as { peerplaceSyncReport?: () => SyncReport }).peerplaceSyncReport?.(),
        )
        .catch(() => undefined)
      const late = new Promise<undefined>((resolve) => setTimeout(resolve, REPORT_TIMEOUT_MS))
      return Promise.race([read, late])
    },
  }
}

/** A device of the project's stack running in this process. */
export function nodeDevice(name: string, device: NodeDevice): ReportingDevice {
  return {
    name,
    report: async () => device.stack.syncReport(),
  }
}

/** Every device's sync state as text. */
export async function describeDevices(devices: readonly ReportingDevice[]): Promise<string> {
  const parts = await Promise.all(
    devices.map(async (device) => {
      const report = await device.report()
      return report ? formatSyncReport(device.name, report) : `${device.name}: (no report)`
    }),
  )
  return parts.join('\n')
}

/**
 * Polls `read` until `done` holds; after `timeoutMs` throws a StallError for `step` with the
 * state of `devices()`.
 */
export async function pollUntil<T>(
  step: string,
  timeoutMs: number,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  devices: () => readonly ReportingDevice[],
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new StallError(step, await describeDevices(devices()))
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Runs a Playwright wait (with its own timeout) and reports the devices if it fails. */
export async function step<T>(
  name: string,
  work: () => Promise<T>,
  devices: () => readonly ReportingDevice[],
): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof StallError) throw error
    // The first line, and the last of Playwright's call log: what the page was waiting on.
    const lines = error instanceof Error ? error.message.split('\n') : [String(error)]
    const log = lines.map(plainText).filter((line) => line.startsWith('- '))
    const reason = [lines[0], ...log.slice(-3)].join('; ')
    throw new StallError(`${name} (${reason})`, await describeDevices(devices()))
  }
}

/** A line of Playwright's call log without its terminal colours. */
function plainText(line: string): string {
  // eslint-disable-next-line no-control-regex -- removing terminal escapes is the point
  return line.replace(/\u001b\[[0-9;]*m/g, '').trim()
}
