import { describe, expect, it } from 'vitest'
import { inflateSync } from 'node:zlib'
import { crc32, encodePng } from '../../scripts/png.ts'

function chunks(png: Uint8Array): Array<{ type: string; data: Uint8Array; crcOk: boolean }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const out = []
  for (let offset = 8; offset < png.length;) {
    const length = view.getUint32(offset)
    const type = new TextDecoder().decode(png.subarray(offset + 4, offset + 8))
    const data = png.subarray(offset + 8, offset + 8 + length)
    const crc = view.getUint32(offset + 8 + length)
    out.push({ type, data, crcOk: crc === crc32(png.subarray(offset + 4, offset + 8 + length)) })
    offset += 12 + length
  }
  return out
}

describe('encodePng', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('writes a valid signature, header and pixel data that round-trips', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 9, 8, 7, 6])
    const png = encodePng(2, 2, rgba)
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const parts = chunks(png)
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect(parts.every((c) => c.crcOk)).toBe(true)
    const header = new DataView(parts[0]!.data.buffer, parts[0]!.data.byteOffset)
    expect([
      header.getUint32(0),
      header.getUint32(4),
      header.getUint8(8),
      header.getUint8(9),
    ]).toEqual([2, 2, 8, 6])
    const raw = inflateSync(parts[1]!.data)
    expect([...raw]).toEqual([0, ...rgba.subarray(0, 8), 0, ...rgba.subarray(8)])
  })

  it('rejects pixel data of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/size/)
  })
})
