import QRCode from 'qrcode'

/** Modules of light margin around a code, as the QR standard asks for reliable scanning. */
export const QUIET_ZONE = 4
/** Error correction levels tried in turn: M (15 % may be damaged) first; L only if M cannot hold the text. */
const LEVELS = ['M', 'L'] as const

export interface QrLayout {
  level: (typeof LEVELS)[number]
  /** Modules per side, quiet zone included. */
  modules: number
  /** Device pixels per module: a whole number, so module edges are sharp. */
  modulePx: number
  /** The canvas's size in device pixels, and in CSS pixels. */
  pixels: number
  cssPixels: number
  dark: (row: number, col: number) => boolean
}

/**
 * How to draw `text` as a QR code in at most `cssSize` CSS pixels on a screen of `dpr` device
 * pixels per CSS pixel: whole device pixels per module, a 4-module quiet zone.
 */
export function qrLayout(text: string, cssSize: number, dpr: number): QrLayout {
  let lastError: unknown
  for (const level of LEVELS) {
    try {
      const { modules } = QRCode.create(text, { errorCorrectionLevel: level })
      const total = modules.size + 2 * QUIET_ZONE
      const modulePx = Math.max(1, Math.floor((cssSize * dpr) / total))
      const pixels = modulePx * total
      return {
        level,
        modules: total,
        modulePx,
        pixels,
        cssPixels: pixels / dpr,
        dark: (row, col) => {
          const r = row - QUIET_ZONE
          const c = col - QUIET_ZONE
          if (r < 0 || c < 0 || r >= modules.size || c >= modules.size) return false
          return modules.get(r, c) === 1
        },
      }
    } catch (error) {
      lastError = error
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}
