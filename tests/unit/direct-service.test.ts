import { afterEach, describe, expect, it } from 'vitest'
import type { DirectMessage, FileMessage, InviteMessage } from '../../src/direct/direct-model.ts'
import { DIRECT_CHANNEL, encodeDirect } from '../../src/direct/direct-protocol.ts'
import { inboxTopic, pairGroup } from '../../src/direct/peer-reach.ts'
import { NEARBY_GROUP } from '../../src/direct/nearby.ts'
import { directShareDestinations } from '../../src/app/direct-share-destinations.ts'
import { toHex } from '../../src/files/hashing.ts'
import { NEARBY_TOPIC } from '../../src/peer/signaling/relay-protocol.ts'
import { until } from '../support/until.ts'
import { disconnect, randomBytes, readAll, sha256 } from './files-harness.ts'
import { closeDirectDevices, connect, directDevice, type DirectDevice } from './direct-devices.ts'

afterEach(closeDirectDevices)

const last = (d: DirectDevice, peer: DirectDevice): DirectMessage | undefined =>
  d.service.messages(peer.peer).at(-1)

async function pair(): Promise<[DirectDevice, DirectDevice]> {
  const a = await directDevice('Ana')
  const b = await directDevice('Ben')
  return [a, b]
}

async function openBoth(a: DirectDevice, b: DirectDevice): Promise<void> {
  a.service.openConversation(b.peer)
  b.service.openConversation(a.peer)
  await until(
    () => a.service.conversations.loaded(b.peer) && b.service.conversations.loaded(a.peer),
    'loaded',
  )
}

describe('direct service: nearby and contacts', () => {
  it('lists nearby devices by the names their hellos give, with one safety number on both', async () => {
    const [a, b] = await pair()
    expect(a.topics.has(NEARBY_TOPIC)).toBe(true)
    expect(a.topics.has(inboxTopic(a.peer))).toBe(true)
    a.presence.add(NEARBY_TOPIC, b.peer)
    expect(a.groups.get(NEARBY_GROUP)).toEqual([b.peer])
    expect(a.service.nearby().map((p) => p.name)).toEqual([
      `Device ${b.peer.slice(0, 4).toUpperCase()}`,
    ])
    await connect(a, b)
    await until(() => a.service.nearby()[0]?.name === 'Ben', 'name of the nearby device')
    expect(a.service.nearby()[0]).toMatchObject({ online: true, nearby: true, known: true })
    await until(() => b.service.contacts()[0]?.name === 'Ana', 'contact on the other side')
    const number = a.service.safetyNumber(b.peer)
    expect(number).toMatch(/^\d{4} \d{4} \d{4}$/)
    expect(b.service.safetyNumber(a.peer)).toBe(number)
    b.profile.rename('Benjamin')
    await until(() => a.service.peerView(b.peer).name === 'Benjamin', 'renamed')
  })

  it('ignores a hello whose key is not the sender\u2019s own', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await until(() => a.service.safetyNumber(b.peer), 'key known')
    const before = a.service.safetyNumber(b.peer)
    const wrongKey = Buffer.from(new Uint8Array(32).fill(1)).toString('base64url')
    b.mesh.sendLinked(
      a.peer,
      DIRECT_CHANNEL,
      encodeDirect({ t: 'hello', name: 'Mallory', key: wrongKey }),
    )
    await until(() => a.logs.some((l) => l.includes('not its own')), 'logged')
    expect(a.service.safetyNumber(b.peer)).toBe(before)
  })

  it('drops malformed frames with a logged reason and keeps working', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    const forged = '{"v":1,"t":"text","id":"x"}'
    b.mesh.sendLinked(a.peer, DIRECT_CHANNEL, new TextEncoder().encode(forged))
    b.mesh.sendLinked(a.peer, DIRECT_CHANNEL, new Uint8Array([1, 2, 3]))
    await b.service.sendText(a.peer, 'still fine')
    await until(
      () => a.service.messages(b.peer).length === 1 || a.service.contacts()[0]?.unread === 1,
      'message',
    )
    expect(a.logs.filter((l) => l.startsWith('dropped a message'))).toHaveLength(2)
  })
})

describe('direct service: messages', () => {
  it('delivers a text message and shows it delivered once acked', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await openBoth(a, b)
    await a.service.sendText(b.peer, 'hello <script>alert(1)</script>')
    await until(() => last(b, a)?.kind === 'text', 'received')
    expect(last(b, a)).toMatchObject({
      text: 'hello <script>alert(1)</script>',
      author: a.peer,
      delivery: 'received',
    })
    await until(() => last(a, b)?.delivery === 'delivered', 'acked')
    expect(a.service.waiting(last(a, b)!)).toBe(false)
    await expect(a.service.sendText(b.peer, '   ')).rejects.toThrow('the message is empty')
    await expect(a.service.sendText(b.peer, 'x'.repeat(10_001))).rejects.toThrow(/at most/)
  })

  it('queues messages for an offline device, links to it, and delivers them in order when it comes', async () => {
    const [a, b] = await pair()
    a.service.openConversation(b.peer)
    await a.service.sendText(b.peer, 'one')
    await a.service.sendText(b.peer, 'two')
    expect(a.groups.get(pairGroup(a.peer, b.peer))).toEqual([b.peer])
    expect(a.topics.has(inboxTopic(b.peer))).toBe(true)
    await until(() => a.service.messages(b.peer).length === 2, 'shown')
    expect(a.service.messages(b.peer).map((m) => m.delivery)).toEqual(['queued', 'queued'])
    await connect(a, b)
    b.service.openConversation(a.peer)
    await until(() => b.service.messages(a.peer).length === 2, 'delivered')
    expect(b.service.messages(a.peer).map((m) => (m.kind === 'text' ? m.text : ''))).toEqual([
      'one',
      'two',
    ])
    await until(() => a.service.messages(b.peer).every((m) => m.delivery === 'delivered'), 'acked')
    expect(a.topics.has(inboxTopic(b.peer))).toBe(false)
  })

  it('retries until acked, and a repeat is stored once', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    // B's direct channel is deaf at first: nothing arrives, nothing is acked.
    const sendLinked = a.mesh.sendLinked.bind(a.mesh)
    const send = (channel: string, data: Uint8Array) => sendLinked(b.peer, channel, data)
    let deaf = true
    let sent = 0
    a.mesh.sendLinked = (peer, channel, data) => {
      if (channel !== DIRECT_CHANNEL || !deaf) return sendLinked(peer, channel, data)
      sent++
      return true
    }
    a.service.openConversation(b.peer)
    await a.service.sendText(b.peer, 'are you there?')
    await until(() => sent >= 3, 'sent again while unacked', 3000)
    deaf = false
    b.service.openConversation(a.peer)
    await until(() => last(a, b)?.delivery === 'delivered', 'acked after retries')
    // A repeat of the same message (as after a lost ack) changes nothing but is acked again.
    const m = last(a, b)!
    send(DIRECT_CHANNEL, encodeDirect({ t: 'text', id: m.id, at: m.sentAt, text: 'changed' }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(b.service.messages(a.peer).map((x) => (x.kind === 'text' ? x.text : ''))).toEqual([
      'are you there?',
    ])
  })

  it('keeps conversations, unread counts and the outbox across a reload', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await a.service.sendText(b.peer, 'first')
    await until(() => b.service.contacts()[0]?.unread === 1, 'unread')
    disconnect(a, b)
    await until(() => !a.service.peerView(b.peer).online, 'offline')
    await a.service.sendText(b.peer, 'while away')
    const a2 = await a.reload()
    const b2 = await b.reload()
    expect(b2.contacts()[0]).toMatchObject({ name: 'Ana', unread: 1 })
    b2.openConversation(a.peer)
    expect(b2.contacts()[0]?.unread).toBe(0)
    a2.openConversation(b.peer)
    await until(() => a2.messages(b.peer).length === 2, 'loaded after reload')
    expect(a2.messages(b.peer).map((m) => m.delivery)).toEqual(['delivered', 'queued'])
    await connect(a, b)
    await until(() => b2.messages(a.peer).length === 2, 'queued message delivered after reload')
    await until(() => a2.messages(b.peer).every((m) => m.delivery === 'delivered'), 'acked')
  })

  it('sends an invite that the receiver joins with the app\u2019s openLink', async () => {
    const [a, b] = await pair()
    const opened: string[] = []
    const hooks = (list: { id: string; name: string }[]) => ({
      list: () => list,
      on: () => () => {},
      inviteInto: async (id: string) => `https://app.example/#join=${id}`,
      openLink: (url: string) => opened.push(url),
    })
    a.service.invites.setWorkplaces(hooks([{ id: 'wp1', name: 'Acme' }]))
    await connect(a, b)
    await openBoth(a, b)
    await expect(a.service.invites.invite(b.peer, 'nope')).rejects.toThrow(/cannot be shared/)
    await a.service.invites.invite(b.peer, 'wp1')
    await until(() => last(b, a)?.kind === 'invite', 'invite received')
    const invite = last(b, a) as InviteMessage
    expect(invite).toMatchObject({ workplace: 'Acme', url: 'https://app.example/#join=wp1' })
    expect(() => b.service.invites.join(invite)).toThrow(/still loading/)
    b.service.invites.setWorkplaces(hooks([]))
    b.service.invites.join(invite)
    expect(opened).toEqual(['https://app.example/#join=wp1'])
  })
})

describe('direct service: files', () => {
  const fileOf = (bytes: Uint8Array, name: string) =>
    new File([bytes as BlobPart], name, { type: 'application/octet-stream' })
  const offerOn = (d: DirectDevice, peer: DirectDevice) => last(d, peer) as FileMessage | undefined

  it('moves an accepted file with its bytes intact and reports it received', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await openBoth(a, b)
    const bytes = randomBytes(5 * 16 * 1024 + 77)
    await a.service.sendFiles(b.peer, [fileOf(bytes, 'photo.jpg')])
    await until(() => offerOn(b, a)?.state === 'offered', 'offer shown')
    expect(offerOn(b, a)!.file).toMatchObject({ name: 'photo.jpg', size: bytes.length })
    await b.service.accept(a.peer, offerOn(b, a)!.id)
    await until(() => offerOn(b, a)?.state === 'received', 'received', 10_000)
    const got = await readAll(b.files, offerOn(b, a)!.file.id)
    expect(toHex(await sha256(got))).toBe(toHex(await sha256(bytes)))
    await until(() => offerOn(a, b)?.state === 'received', 'sender told')
  })

  it('transfers nothing for a declined file and refuses it even if asked', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await openBoth(a, b)
    await a.service.sendFiles(b.peer, [fileOf(randomBytes(40_000), 'secret.pdf')])
    await until(() => offerOn(b, a)?.state === 'offered', 'offer shown')
    const offer = offerOn(b, a)!
    await b.service.decline(a.peer, offer.id)
    await until(() => offerOn(a, b)?.state === 'declined', 'sender told')
    expect(await b.files.record(offer.file.id)).toBeUndefined()
    expect(a.files.uploads()).toEqual([])
    // A receiver that fetches anyway is refused: no chunk is sent.
    const { ListFinder } = await import('./files-harness.ts')
    const download = b.files.download(
      offer.file.id,
      'direct',
      new ListFinder([a.peer]),
      offer.file.size,
    )
    await until(() => download.progress().sources[0]?.state === 'refused', 'refused')
    expect(download.progress().bytesDone).toBe(0)
    expect(a.files.uploads().every((u) => u.bytesSent === 0)).toBe(true)
  })

  it('fails a file whose size is not the one offered', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await openBoth(a, b)
    const { fileId } = await a.files.add(new Blob([randomBytes(50_000) as BlobPart]))
    // A lying sender: the offer claims fewer bytes than the file has, and serves it.
    a.files.serveScope('direct', { mayFetch: () => null })
    const id = 'a'.repeat(26)
    a.mesh.sendLinked(
      b.peer,
      DIRECT_CHANNEL,
      encodeDirect({ t: 'offer', id, at: 1, file: { id: fileId, name: 'x', size: 10, type: '' } }),
    )
    await until(() => offerOn(b, a)?.state === 'offered', 'offer shown')
    await b.service.accept(a.peer, id)
    await until(() => offerOn(b, a)?.state === 'failed', 'failed')
    expect(offerOn(b, a)!.error).toMatch(/50000 bytes, not the 10 offered/)
  })

  it('lets the sender withdraw an offer', async () => {
    const [a, b] = await pair()
    await connect(a, b)
    await openBoth(a, b)
    await a.service.sendFiles(b.peer, [fileOf(randomBytes(1000), 'a.bin')])
    await until(() => offerOn(b, a)?.state === 'offered', 'offer shown')
    await a.service.cancel(offerOn(a, b)!)
    await until(() => offerOn(b, a)?.state === 'cancelled', 'withdrawn')
    await b.service.accept(a.peer, offerOn(b, a)!.id)
    expect(offerOn(b, a)?.state).toBe('cancelled')
  })
})

describe('direct service: share target', () => {
  it('lists nearby devices and contacts and sends a shared item as a message and an offer', async () => {
    const [a, b] = await pair()
    const destinations = directShareDestinations(a.service)
    expect(destinations.list()).toEqual([])
    a.presence.add(NEARBY_TOPIC, b.peer)
    await connect(a, b)
    await until(() => destinations.list()[0]?.label === 'Ben', 'named destination')
    const [ben] = destinations.list()
    expect(ben).toMatchObject({ id: `device:${b.peer}`, kind: 'device' })
    b.service.openConversation(a.peer)
    await ben!.send({
      title: 'Look',
      text: '',
      url: 'https://example.org/',
      files: [new File([randomBytes(100) as BlobPart], 'shared.bin')],
    })
    await until(() => b.service.messages(a.peer).length === 2, 'both arrived')
    const [text, offer] = b.service.messages(a.peer)
    expect(text).toMatchObject({ kind: 'text', text: 'Look\nhttps://example.org/' })
    expect(offer).toMatchObject({ kind: 'file', file: { name: 'shared.bin', size: 100 } })
  })
})
