import type { ManifestOptions } from 'vite-plugin-pwa'

/**
 * The web app manifest: what the browser needs to offer "install to home screen", and the
 * share target that lets people share files and text to Peerplace from other apps (received
 * by the service worker, src/pwa/sw.ts, at the same path).
 */
export const pwaManifest: Partial<ManifestOptions> = {
  id: '/',
  name: 'Peerplace',
  short_name: 'Peerplace',
  description:
    'Work together directly between devices: chat, files and contacts with no data server.',
  theme_color: '#1f6f5c',
  background_color: '#ffffff',
  display: 'standalone',
  start_url: '/',
  scope: '/',
  categories: ['productivity', 'business'],
  icons: [
    { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
    { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
    {
      src: 'icons/icon-maskable-512.png',
      sizes: '512x512',
      type: 'image/png',
      purpose: 'maskable',
    },
  ],
  share_target: {
    action: '/share-target',
    method: 'POST',
    enctype: 'multipart/form-data',
    params: {
      title: 'title',
      text: 'text',
      url: 'url',
      files: [{ name: 'files', accept: ['*/*'] }],
    },
  },
}
