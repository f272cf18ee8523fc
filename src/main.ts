import { mount } from 'svelte'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'

const target = document.getElementById('app')!
try {
  const shell = await createShell({
    indexedDB,
    WebSocket,
    localStorage,
    document,
    pageUrl: location.href,
  })
  mount(App, { target, props: { shell } })
} catch (error) {
  console.error('Peerplace could not start', error)
  target.textContent = `Peerplace could not start: ${error instanceof Error ? error.message : String(error)}`
}
