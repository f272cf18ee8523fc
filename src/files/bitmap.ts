/** One bit per chunk, most significant bit first in each byte (the wire layout of `opened`). */
export class Bitmap {
  readonly size: number
  readonly bytes: Uint8Array

  constructor(size: number, bytes?: Uint8Array) {
    const length = Math.ceil(size / 8)
    if (bytes && bytes.length !== length) throw new RangeError('bitmap length does not match')
    this.size = size
    this.bytes = bytes ?? new Uint8Array(length)
  }

  static full(size: number): Bitmap {
    const bitmap = new Bitmap(size)
    for (let i = 0; i < size; i++) bitmap.set(i)
    return bitmap
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.size) return false
    return ((this.bytes[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
  }

  set(index: number): void {
    if (index < 0 || index >= this.size) return
    this.bytes[index >> 3] = (this.bytes[index >> 3] ?? 0) | (0x80 >> (index & 7))
  }

  clear(index: number): void {
    if (index < 0 || index >= this.size) return
    this.bytes[index >> 3] = (this.bytes[index >> 3] ?? 0) & ~(0x80 >> (index & 7))
  }

  count(): number {
    let count = 0
    for (let i = 0; i < this.size; i++) if (this.has(i)) count++
    return count
  }
}
