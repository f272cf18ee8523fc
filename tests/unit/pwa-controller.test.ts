import { describe, expect, it, vi } from 'vitest'
import {
  captureInstallPrompt,
  PwaController,
  type InstallPromptEvent,
  type RegisterServiceWorker,
} from '../../src/pwa/pwa-controller.ts'

type Hooks = Parameters<RegisterServiceWorker>[0]

function fakeRegister() {
  const calls: Hooks[] = []
  const applied: (boolean | undefined)[] = []
  const register: RegisterServiceWorker = (hooks) => {
    calls.push(hooks)
    return async (reload) => {
      applied.push(reload)
    }
  }
  return { register, calls, applied }
}

function installPrompt(outcome: 'accepted' | 'dismissed'): InstallPromptEvent & {
  prompted: number
} {
  const event = new Event('beforeinstallprompt', { cancelable: true }) as InstallPromptEvent & {
    prompted: number
  }
  event.prompted = 0
  Object.assign(event, {
    prompt: async () => {
      event.prompted++
    },
    userChoice: Promise.resolve({ outcome }),
  })
  return event
}

function setup(options: { standalone?: boolean; early?: () => InstallPromptEvent | null } = {}) {
  const events = new EventTarget()
  const sw = fakeRegister()
  const pwa = new PwaController({
    register: sw.register,
    events,
    standalone: () => options.standalone ?? false,
    ...(options.early ? { earlyPrompt: options.early } : {}),
  })
  const changes: unknown[] = []
  pwa.on('change', (state) => changes.push(state))
  return { events, sw, pwa, changes }
}

describe('PwaController', () => {
  it('registers the service worker once, immediately, on start', () => {
    const { sw, pwa } = setup()
    expect(sw.calls).toHaveLength(0)
    pwa.start()
    pwa.start()
    expect(sw.calls).toHaveLength(1)
    expect(sw.calls[0]!.immediate).toBe(true)
  })

  it('shows an update only when the worker says one waits, and applies it on request', async () => {
    const { sw, pwa } = setup()
    pwa.start()
    expect(pwa.state.updateAvailable).toBe(false)
    sw.calls[0]!.onOfflineReady!()
    expect(pwa.state).toMatchObject({ offlineReady: true, updateAvailable: false })
    sw.calls[0]!.onNeedRefresh!()
    expect(pwa.state.updateAvailable).toBe(true)
    await pwa.update()
    expect(sw.applied).toEqual([true])
    pwa.dismissUpdate()
    expect(pwa.state.updateAvailable).toBe(false)
  })

  it('reports a registration error as text', () => {
    const { sw, pwa } = setup()
    pwa.start()
    sw.calls[0]!.onRegisterError!(new Error('SecurityError: insecure origin'))
    expect(pwa.state.error).toBe('SecurityError: insecure origin')
  })

  it('offers installation after beforeinstallprompt and uses the prompt once', async () => {
    const { events, pwa } = setup()
    pwa.start()
    expect(pwa.state.canInstall).toBe(false)
    expect(await pwa.install()).toBe('unavailable')
    const prompt = installPrompt('accepted')
    events.dispatchEvent(prompt)
    expect(prompt.defaultPrevented).toBe(true)
    expect(pwa.state.canInstall).toBe(true)
    expect(await pwa.install()).toBe('accepted')
    expect(prompt.prompted).toBe(1)
    expect(pwa.state).toMatchObject({ canInstall: false, installed: true })
    expect(await pwa.install()).toBe('unavailable')
  })

  it('a dismissed prompt leaves the app not installed', async () => {
    const { events, pwa } = setup()
    pwa.start()
    events.dispatchEvent(installPrompt('dismissed'))
    expect(await pwa.install()).toBe('dismissed')
    expect(pwa.state.installed).toBe(false)
  })

  it('appinstalled hides the install button; standalone counts as installed', () => {
    const { events, pwa } = setup()
    pwa.start()
    events.dispatchEvent(installPrompt('accepted'))
    events.dispatchEvent(new Event('appinstalled'))
    expect(pwa.state).toMatchObject({ canInstall: false, installed: true })
    expect(setup({ standalone: true }).pwa.state.installed).toBe(true)
  })

  it('takes a prompt caught before it started, and stops listening on stop()', () => {
    const early = new EventTarget()
    const getEarly = captureInstallPrompt(early)
    early.dispatchEvent(installPrompt('accepted'))
    const { events, pwa } = setup({ early: getEarly })
    pwa.start()
    expect(pwa.state.canInstall).toBe(true)
    expect(getEarly()).toBeNull()
    pwa.stop()
    const listener = vi.fn()
    pwa.on('change', listener)
    events.dispatchEvent(installPrompt('accepted'))
    expect(listener).not.toHaveBeenCalled()
  })
})
