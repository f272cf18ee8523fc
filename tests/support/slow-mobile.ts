/**
 * Lighthouse's slow mobile data, as CDP `Network.emulateNetworkConditions` takes it: 150 ms
 * latency, 1.6 Mbit/s down, 750 kbit/s up. It slows a page's own traffic (its loading and the
 * signaling relay), not WebRTC.
 */
export const SLOW_MOBILE = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
} as const
