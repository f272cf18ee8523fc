import { describe, expect, it } from 'vitest'
import {
  StoragePersistence,
  watchPersistenceTriggers,
  type StorageManagerLike,
} from '../../src/backup/storage-persistence.ts'

function fakeManager(grant: boolean, usage = 10, quota = 100) {
  const calls = { persist: 0 }
  let persisted = false
  const manager: StorageManagerLike = {
    persist: async () => {
      calls.persist++
      persisted = grant
      return grant
    },
    persisted: async () => persisted,
    estimate: async () => ({ usage, quota }),
  }
  return { manager, calls }
}

function memory() {
  const map = new Map<string, string>()
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  }
}

function sources() {
  const listeners = {
    wp: [] as (() => void)[],
    file: [] as (() => void)[],
    install: [] as (() => void)[],
  }
  const state = { workplaces: 0, installed: false }
  const on = (list: (() => void)[]) => (l: () => void) => {
    list.push(l)
    return () => {}
  }
  return {
    state,
    fire: (kind: keyof typeof listeners) => listeners[kind].forEach((l) => l()),
    value: {
      hasWorkplace: () => state.workplaces > 0,
      onWorkplacesChange: on(listeners.wp),
      onFileStored: on(listeners.file),
      installed: () => state.installed,
      onInstallChange: on(listeners.install),
    },
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('storage persistence', () => {
  it('asks once when the first workplace appears, and shows the outcome and usage', async () => {
    const { manager, calls } = fakeManager(true)
    const persistence = new StoragePersistence({ manager, memory: memory() })
    const s = sources()
    watchPersistenceTriggers(persistence, s.value)
    await settle()
    expect(calls.persist).toBe(0)
    s.state.workplaces = 1
    s.fire('wp')
    await settle()
    s.fire('wp')
    await settle()
    expect(calls.persist).toBe(1)
    expect(persistence.view).toMatchObject({ persisted: true, usage: 10, quota: 100 })
  })

  it('asks for each trigger at most once across restarts when refused', async () => {
    const { manager, calls } = fakeManager(false)
    const store = memory()
    for (let start = 0; start < 2; start++) {
      const persistence = new StoragePersistence({ manager, memory: store })
      const s = sources()
      s.state.workplaces = 1
      watchPersistenceTriggers(persistence, s.value)
      s.fire('file')
      await settle()
      await settle()
    }
    expect(calls.persist).toBe(2)
  })

  it('warns only when not granted and the storage is filling', async () => {
    const full = new StoragePersistence({
      manager: fakeManager(false, 90, 100).manager,
      memory: memory(),
    })
    await full.requestFor('person')
    expect(full.view.refused).toBe(true)
    expect(full.warning()).toMatch(/nearly full/)
    const roomy = new StoragePersistence({
      manager: fakeManager(false, 10, 100).manager,
      memory: memory(),
    })
    await roomy.requestFor('person')
    expect(roomy.warning()).toBeNull()
    const kept = new StoragePersistence({
      manager: fakeManager(true, 95, 100).manager,
      memory: memory(),
    })
    await kept.requestFor('person')
    expect(kept.warning()).toBeNull()
  })
})
