/**
 * A STUN binding responder (RFC 5389, the part browsers use to learn their public address):
 * it answers each Binding request with a success response carrying XOR-MAPPED-ADDRESS (and the
 * older MAPPED-ADDRESS). Anything else is ignored. It keeps no state, so it cannot be used to
 * relay traffic; the answer is no larger than the request's header plus 44 bytes.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv4 } from 'node:net'

export interface StunResponder {
  readonly port: number
  readonly host: string
  close(): Promise<void>
}

export interface StunResponderOptions {
  /** 0 picks a free port. */
  port: number
  host: string
  onError?: (error: Error) => void
}

const HEADER_BYTES = 20
const MAGIC_COOKIE = 0x2112a442
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const ATTR_MAPPED_ADDRESS = 0x0001
const ATTR_XOR_MAPPED_ADDRESS = 0x0020
const ATTR_SOFTWARE = 0x8022
const SOFTWARE = Buffer.from('peerplace')
/** Requests carrying more than this are not ours to answer (a Binding request is small). */
const MAX_REQUEST_BYTES = 548

/** Starts answering STUN Binding requests on UDP `host:port`. */
export async function startStunResponder(options: StunResponderOptions): Promise<StunResponder> {
  const socket: Socket = createSocket(isIPv4(options.host) ? 'udp4' : 'udp6')
  socket.on('message', (message, remote) => {
    const response = bindingResponse(message, remote.address, remote.port)
    if (response) socket.send(response, remote.port, remote.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', (error) => options.onError?.(error))
  const { address, port } = socket.address()
  let closing: Promise<void> | undefined
  return {
    port,
    host: address,
    close: () => (closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  }
}

/**
 * The success response to `message` if it is a well-formed Binding request, else undefined.
 * `address`/`port` are where the request came from, as seen by us.
 */
function bindingResponse(message: Buffer, address: string, port: number): Buffer | undefined {
  if (message.length < HEADER_BYTES || message.length > MAX_REQUEST_BYTES) return undefined
  const type = message.readUInt16BE(0)
  const length = message.readUInt16BE(2)
  if (type !== BINDING_REQUEST) return undefined
  if (message.readUInt32BE(4) !== MAGIC_COOKIE) return undefined
  if (length % 4 !== 0 || length !== message.length - HEADER_BYTES) return undefined
  const transactionId = message.subarray(8, HEADER_BYTES)

  const family = familyOf(address)
  if (!family) return undefined
  const attributes = Buffer.concat([
    attribute(ATTR_XOR_MAPPED_ADDRESS, xorAddress(family, port, transactionId)),
    attribute(ATTR_MAPPED_ADDRESS, plainAddress(family, port)),
    attribute(ATTR_SOFTWARE, SOFTWARE),
  ])
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt16BE(BINDING_SUCCESS, 0)
  header.writeUInt16BE(attributes.length, 2)
  header.writeUInt32BE(MAGIC_COOKIE, 4)
  transactionId.copy(header, 8)
  return Buffer.concat([header, attributes])
}

interface Family {
  code: 1 | 2
  bytes: Buffer
}

/** The address as STUN's family code and raw bytes; IPv4-mapped IPv6 counts as IPv4. */
function familyOf(address: string): Family | undefined {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (isIPv4(v4)) return { code: 1, bytes: Buffer.from(v4.split('.').map(Number)) }
  const bytes = ipv6Bytes(address)
  return bytes ? { code: 2, bytes } : undefined
}

function ipv6Bytes(address: string): Buffer | undefined {
  const plain = address.split('%')[0]!
  const [head = '', tail] = plain.split('::')
  const groups = (part: string): string[] => (part ? part.split(':') : [])
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const missing = 8 - left.length - right.length
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined
  const all = [...left, ...Array<string>(missing).fill('0'), ...right]
  const out = Buffer.alloc(16)
  for (const [i, group] of all.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    out.writeUInt16BE(parseInt(group, 16), i * 2)
  }
  return out
}

function plainAddress(family: Family, port: number): Buffer {
  const value = Buffer.alloc(4 + family.bytes.length)
  value.writeUInt8(family.code, 1)
  value.writeUInt16BE(port, 2)
  family.bytes.copy(value, 4)
  return value
}

/** XOR-MAPPED-ADDRESS: port and address XORed with the cookie (and the transaction ID). */
function xorAddress(family: Family, port: number, transactionId: Buffer): Buffer {
  const value = plainAddress(family, port)
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2)
  const mask = Buffer.alloc(16)
  mask.writeUInt32BE(MAGIC_COOKIE, 0)
  transactionId.copy(mask, 4)
  for (let i = 0; i < family.bytes.length; i++) value[4 + i] = value[4 + i]! ^ mask[i]!
  return value
}

/** A type-length-value attribute, padded to four bytes. */
function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4)
  padded.writeUInt16BE(type, 0)
  padded.writeUInt16BE(value.length, 2)
  value.copy(padded, 4)
  return padded
}
