/**
 * Finds a QR code in a camera frame: the browser's BarcodeDetector where it reads QR codes,
 * else jsQR on the frame's pixels (loaded only when needed).
 */

/** The part of the Shape Detection API used here (not in TypeScript's DOM types yet). */
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>
}

export interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats(): Promise<string[]>
}

export type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' },
) => { data: string } | null

export interface QrDecoder {
  readonly kind: 'native' | 'jsqr'
  /** The text of a QR code in the frame, or null if none could be read. */
  decode(frame: CanvasImageSource, width: number, height: number): Promise<string | null>
}

/** Frames larger than this (longest side) are scaled down before jsQR reads them. */
const MAX_SIDE = 800

export async function createQrDecoder(env: {
  BarcodeDetector?: BarcodeDetectorClass | undefined
  loadJsQr?: () => Promise<JsQr>
  createCanvas?: (width: number, height: number) => HTMLCanvasElement | OffscreenCanvas
}): Promise<QrDecoder> {
  const native = env.BarcodeDetector
  if (native) {
    try {
      if ((await native.getSupportedFormats()).includes('qr_code')) {
        const detector = new native({ formats: ['qr_code'] })
        return {
          kind: 'native',
          async decode(frame) {
            const found = await detector.detect(frame)
            return found[0]?.rawValue ?? null
          },
        }
      }
    } catch (error) {
      console.warn('BarcodeDetector unusable; reading QR codes with jsQR', error)
    }
  }
  const jsQR = await (env.loadJsQr ?? loadJsQr)()
  const createCanvas =
    env.createCanvas ??
    ((w: number, h: number) =>
      Object.assign(document.createElement('canvas'), { width: w, height: h }))
  let canvas: HTMLCanvasElement | OffscreenCanvas | null = null
  return {
    kind: 'jsqr',
    async decode(frame, width, height) {
      if (width <= 0 || height <= 0) return null
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height))
      const w = Math.round(width * scale)
      const h = Math.round(height * scale)
      if (!canvas || canvas.width !== w || canvas.height !== h) canvas = createCanvas(w, h)
      const context = canvas.getContext('2d', { willReadFrequently: true }) as
        CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null
      if (!context) return null
      context.drawImage(frame, 0, 0, w, h)
      const pixels = context.getImageData(0, 0, w, h)
      return jsQR(pixels.data, w, h, { inversionAttempts: 'attemptBoth' })?.data ?? null
    },
  }
}

async function loadJsQr(): Promise<JsQr> {
  return (await import('jsqr')).default
}
