import { mount } from 'svelte'
import * as Automerge from '@automerge/automerge'
import SimplePeer from 'simple-peer'
import App from './ui/App.svelte'
import { createShell } from './app/create-shell.ts'

const doc = Automerge.change(Automerge.init<{ n: number }>(), (d) => {
  d.n = 1
})
console.info('automerge ok', doc.n, typeof SimplePeer)

const target = document.getElementById('app')!
try {
  const shell = await createShell({ indexedDB, WebSocket, pageUrl: location.href })
  mount(App, { target, props: { shell } })
} catch (error) {
  console.error('Peerplace could not start', error)
  target.textContent = `Peerplace could not start: ${error instanceof Error ? error.message : String(error)}`
}
