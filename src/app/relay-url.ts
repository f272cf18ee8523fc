/** The relay's WebSocket URL on the app's own origin (ws: for http:, wss: for https:). */
export function relayUrlFor(pageUrl: string, path = '/relay'): string {
  const url = new URL(path, pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.hash = ''
  url.search = ''
  return url.href
}
