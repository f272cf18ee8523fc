import QRCode from 'qrcode'

/** Svelte action: draws `text` as a QR code on a canvas (no markup is generated). */
export function qrCode(canvas: HTMLCanvasElement, text: string) {
  const draw = (value: string) => {
    QRCode.toCanvas(canvas, value, { errorCorrectionLevel: 'L', margin: 2, width: 240 }).catch(
      (error: unknown) => console.error('could not draw the QR code', error),
    )
  }
  draw(text)
  return { update: draw }
}
