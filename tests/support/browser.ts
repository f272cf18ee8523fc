/** Shared launch settings for every test or benchmark that drives Chromium. */
import type { LaunchOptions } from 'playwright-core'
import { findChromium } from './ensure-chromium.ts'

/**
 * Flags that work as root with no network. Plain host ICE candidates (no mDNS `.local` names)
 * let two contexts on one machine connect with `iceServers: []`.
 */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]

/** The Chromium executable, or an Error saying how to get one. */
export function chromiumPath(): string {
  const path = findChromium()
  if (!path) {
    throw new Error('No Chromium found: run `npx tsx tests/support/ensure-chromium.ts`')
  }
  return path
}

/** Launch options for playwright's `chromium.launch()`; `extraArgs` are appended. */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): LaunchOptions {
  return {
    executablePath: chromiumPath(),
    args: [...chromiumArgs, ...extraArgs],
  }
}
