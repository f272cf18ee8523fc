/**
 * Finds a Chromium for the browser tests; run as a program (`npm run test:e2e` does) it installs
 * Debian's `chromium` when none is found and we are root, or explains how to install one.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The Chromium executable to use: `CHROMIUM_PATH` if set, else the first of chromium,
 * chromium-browser and google-chrome found in /usr/bin or on PATH. Undefined if there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.CHROMIUM_PATH
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined
  const dirs = ['/usr/bin', ...(env.PATH ?? '').split(delimiter).filter(Boolean)]
  for (const name of CANDIDATES) {
    for (const dir of dirs) {
      const path = join(dir, name)
      if (isExecutable(path)) return path
    }
  }
  return undefined
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`)
}

/** Returns a Chromium path, installing Debian's package first if we may; exits otherwise. */
export function ensureChromium(): string {
  const configured = process.env.CHROMIUM_PATH
  if (configured && !isExecutable(configured)) {
    console.error(`CHROMIUM_PATH=${configured} is not an executable file.`)
    process.exit(1)
  }
  const found = findChromium()
  if (found) return found
  if (process.getuid?.() === 0) {
    console.info('No Chromium found; installing Debian\'s "chromium" package...')
    run('apt-get', ['update'])
    run('apt-get', ['install', '-y', 'chromium'])
    const installed = findChromium()
    if (installed) return installed
  }
  console.error(
    [
      'No Chromium found for the browser tests.',
      'Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y chromium',
      'or point CHROMIUM_PATH at a Chromium or Chrome executable.',
    ].join('\n'),
  )
  process.exit(1)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.info(`Chromium: ${ensureChromium()}`)
}
