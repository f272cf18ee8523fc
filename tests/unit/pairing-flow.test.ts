import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import type { PairingAnswer, PairingOffer } from '../../src/peer/mesh/manual-pairing.ts'
import { PairingFlow } from '../../src/ui/pairing/pairing-flow.svelte.ts'

const PEER = 'b'.repeat(64) as PeerId

/** A promise the test settles. */
function later<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Pairing whose every step waits for the test to settle it. */
function fakePairing() {
  const offers: { made: ReturnType<typeof later<PairingOffer>> }[] = []
  const answers: { code: string; made: ReturnType<typeof later<PairingAnswer>> }[] = []
  return {
    offers,
    answers,
    createOffer() {
      const made = later<PairingOffer>()
      offers.push({ made })
      return made.promise
    },
    acceptOffer(code: string) {
      const made = later<PairingAnswer>()
      answers.push({ code, made })
      return made.promise
    },
  }
}

function offer(complete: (code: string) => Promise<PeerId>): PairingOffer {
  return { code: 'pp1.offer', complete }
}

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe('PairingFlow', () => {
  it('offers, then completes with the answer code and reports the peer', async () => {
    const pairing = fakePairing()
    const paired: PeerId[] = []
    const flow = new PairingFlow(pairing, (peer) => paired.push(peer))
    const making = flow.makeOffer()
    expect(flow.step.kind).toBe('making-offer')
    const linked = later<PeerId>()
    const codes: string[] = []
    const made = offer((code) => {
      codes.push(code)
      return linked.promise
    })
    pairing.offers[0]!.made.resolve(made)
    await making
    expect(flow.step).toEqual({ kind: 'offer', offer: made })
    const completing = flow.completeOffer(made, 'pp1.answer')
    expect(flow.step.kind).toBe('connecting')
    linked.resolve(PEER)
    await completing
    expect(codes).toEqual(['pp1.answer'])
    expect(flow.step).toEqual({ kind: 'paired', peer: PEER })
    expect(paired).toEqual([PEER])
  })

  it('goes back to the offer with the reason when the answer code is refused', async () => {
    const flow = new PairingFlow(fakePairing())
    const made = offer(() => Promise.reject(new Error('not an answer to this offer')))
    await flow.completeOffer(made, 'pp1.wrong')
    expect(flow.step).toEqual({ kind: 'offer', offer: made })
    expect(flow.error).toBe('not an answer to this offer')
  })

  it('answers an offer: shows the answer code, then pairs once linked', async () => {
    const pairing = fakePairing()
    const paired: PeerId[] = []
    const flow = new PairingFlow(pairing, (peer) => paired.push(peer))
    const answering = flow.answerOffer('pp1.offer')
    expect(flow.step.kind).toBe('answering')
    const linked = later<PeerId>()
    pairing.answers[0]!.made.resolve({ code: 'pp1.answer', peer: PEER, linked: linked.promise })
    await flush()
    await flush()
    expect(pairing.answers[0]!.code).toBe('pp1.offer')
    expect(flow.step).toEqual({ kind: 'answer', code: 'pp1.answer' })
    expect(paired).toEqual([])
    linked.resolve(PEER)
    await answering
    expect(flow.step).toEqual({ kind: 'paired', peer: PEER })
    expect(paired).toEqual([PEER])
  })

  it('starts again with the reason when answering fails, and clears it on the next try', async () => {
    const pairing = fakePairing()
    const flow = new PairingFlow(pairing)
    const answering = flow.answerOffer('pp1.damaged')
    pairing.answers[0]!.made.reject(new Error('the pairing code is damaged'))
    await answering
    expect(flow.step.kind).toBe('start')
    expect(flow.error).toBe('the pairing code is damaged')
    const making = flow.makeOffer()
    expect(flow.error).toBe('')
    pairing.offers[0]!.made.reject(new Error('no signaling'))
    await making
    expect(flow.step.kind).toBe('start')
    expect(flow.error).toBe('no signaling')
  })

  it('takes only pairing codes from the camera', () => {
    const flow = new PairingFlow(fakePairing())
    flow.scanning = true
    const used: string[] = []
    expect(flow.scanned('https://example.test/#join=abc', (code) => used.push(code))).toBe(false)
    expect(flow.error).toMatch(/not a pairing code/)
    expect(flow.scanning).toBe(true)
    expect(flow.scanned(' pp1.abc_DEF \n', (code) => used.push(code))).toBe(true)
    expect(flow.scanning).toBe(false)
    expect(used).toEqual(['pp1.abc_DEF'])
  })

  it('starts over from any step, clearing codes, camera and error', async () => {
    const flow = new PairingFlow(fakePairing())
    await flow.completeOffer(
      offer(() => Promise.reject(new Error('x'))),
      'pp1.a',
    )
    flow.offerInput = 'pp1.o'
    flow.answerInput = 'pp1.a'
    flow.scanning = true
    flow.startOver()
    expect(flow.step.kind).toBe('start')
    expect([flow.offerInput, flow.answerInput, flow.error, flow.scanning]).toEqual([
      '',
      '',
      '',
      false,
    ])
  })
})
