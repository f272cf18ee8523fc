import { LIMITS } from '../../crdt/contacts/contact-model.ts'

/** Sizes (longest side, px) and JPEG qualities tried in turn until the photo fits LIMITS.photo. */
const ATTEMPTS = [
  [192, 0.85],
  [128, 0.8],
  [96, 0.7],
  [64, 0.6],
] as const

/**
 * A picture the user chose, made into a contact photo: scaled down to a small JPEG `data:` URL
 * that fits the contact model's limit. Rejects with a plain message when the file is not a
 * picture the browser can read.
 */
export async function photoFromFile(file: Blob): Promise<string> {
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    throw new Error('That file is not a picture this browser can read.')
  }
  try {
    for (const [side, quality] of ATTEMPTS) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height, 1))
      const canvas = document.createElement('canvas')
      canvas.width = Math.max(1, Math.round(bitmap.width * scale))
      canvas.height = Math.max(1, Math.round(bitmap.height * scale))
      const context = canvas.getContext('2d')
      if (!context) throw new Error('This browser cannot draw the picture.')
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
      const url = canvas.toDataURL('image/jpeg', quality)
      if (url.startsWith('data:image/jpeg') && url.length <= LIMITS.photo) return url
    }
  } finally {
    bitmap.close()
  }
  throw new Error('The picture could not be made small enough to keep.')
}
