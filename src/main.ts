import { mount } from 'svelte'
import * as Automerge from '@automerge/automerge'
import SimplePeer from 'simple-peer'
import App from './ui/App.svelte'

const doc = Automerge.change(Automerge.init<{ n: number }>(), (d) => {
  d.n = 1
})
console.info('automerge ok', doc.n, typeof SimplePeer)
mount(App, { target: document.getElementById('app')! })
