import { qrLayout } from './qr-layout.ts'

/** The largest a code is drawn, in CSS pixels: bigger helps no camera. */
const MAX_CSS = 480

/**
 * Svelte action: draws `text` as a QR code on a canvas (no markup is generated), as large as its
 * container's width and most of the screen's height allow, at the device's pixel ratio.
 */
export function qrCode(canvas: HTMLCanvasElement, text: string) {
  let value = text
  const draw = () => {
    const win = canvas.ownerDocument.defaultView
    if (!win) return
    const room = canvas.parentElement?.clientWidth || MAX_CSS
    const cssSize = Math.max(120, Math.min(room, win.innerHeight * 0.7, MAX_CSS))
    const dpr = win.devicePixelRatio || 1
    let layout
    try {
      layout = qrLayout(value, cssSize, dpr)
    } catch (error) {
      console.error('could not draw the QR code', error)
      return
    }
    canvas.width = layout.pixels
    canvas.height = layout.pixels
    canvas.style.width = `${layout.cssPixels}px`
    canvas.style.height = `${layout.cssPixels}px`
    canvas.dataset.level = layout.level
    canvas.dataset.modules = String(layout.modules)
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    ctx.fillStyle = '#fff'
    ctx.fillRect(0, 0, layout.pixels, layout.pixels)
    ctx.fillStyle = '#000'
    for (let row = 0; row < layout.modules; row++) {
      for (let col = 0; col < layout.modules; col++) {
        if (layout.dark(row, col)) {
          ctx.fillRect(
            col * layout.modulePx,
            row * layout.modulePx,
            layout.modulePx,
            layout.modulePx,
          )
        }
      }
    }
  }
  draw()
  const observer =
    typeof ResizeObserver === 'function' && canvas.parentElement
      ? new ResizeObserver(() => draw())
      : undefined
  if (observer && canvas.parentElement) observer.observe(canvas.parentElement)
  return {
    update(next: string) {
      value = next
      draw()
    },
    destroy() {
      observer?.disconnect()
    },
  }
}
