import { describe, expect, it } from 'vitest'
import { createQrDecoder, type BarcodeDetectorClass } from '../../src/ui/scan/qr-decoder.ts'
import { classifyScannedText } from '../../src/ui/scan/scanned-code.ts'
import { cameraErrorText } from '../../src/ui/scan/camera.ts'

describe('classifyScannedText', () => {
  it('knows invite and ask links from any Peerplace address', () => {
    expect(classifyScannedText(' https://peers.example/app/#join=eyJ2IjoxfQ ')).toEqual({
      kind: 'workplace',
      link: 'https://peers.example/app/#join=eyJ2IjoxfQ',
    })
    expect(classifyScannedText('http://127.0.0.1:4000/#ask=abc_-1').kind).toBe('workplace')
  })

  it('knows pairing codes, even wrapped over lines', () => {
    expect(classifyScannedText('pp1.AAEC\nAwQF_-')).toEqual({
      kind: 'pairing',
      code: 'pp1.AAECAwQF_-',
    })
  })

  it('refuses anything else', () => {
    for (const text of [
      'hello',
      'https://example.org/',
      'javascript:alert(1)//#join=abc',
      'https://example.org/#join=<script>',
      'pp2.abc',
    ]) {
      expect(classifyScannedText(text).kind, text).toBe('unknown')
    }
  })
})

describe('createQrDecoder', () => {
  const frame = {} as CanvasImageSource

  it('uses BarcodeDetector when it reads QR codes', async () => {
    class Detector {
      static getSupportedFormats = async () => ['ean_13', 'qr_code']
      constructor(readonly options: { formats: string[] }) {}
      async detect() {
        return [{ rawValue: 'pp1.native' }]
      }
    }
    const decoder = await createQrDecoder({
      BarcodeDetector: Detector as unknown as BarcodeDetectorClass,
      loadJsQr: () => Promise.reject(new Error('must not load')),
    })
    expect(decoder.kind).toBe('native')
    expect(await decoder.decode(frame, 10, 10)).toBe('pp1.native')
  })

  it('falls back to jsQR on scaled-down pixels when the detector lacks QR', async () => {
    class Detector {
      static getSupportedFormats = async () => ['ean_13']
      async detect() {
        return []
      }
    }
    const seen: [number, number][] = []
    const drawn: [number, number][] = []
    const canvas = (w: number, h: number) =>
      ({
        width: w,
        height: h,
        getContext: () => ({
          drawImage: (_f: unknown, _x: number, _y: number, dw: number, dh: number) =>
            drawn.push([dw, dh]),
          getImageData: (_x: number, _y: number, gw: number, gh: number) => ({
            data: new Uint8ClampedArray(gw * gh * 4),
          }),
        }),
      }) as unknown as HTMLCanvasElement
    const decoder = await createQrDecoder({
      BarcodeDetector: Detector as unknown as BarcodeDetectorClass,
      loadJsQr: async () => (_data, w, h) => {
        seen.push([w, h])
        return { data: 'https://x.example/#join=abc' }
      },
      createCanvas: canvas,
    })
    expect(decoder.kind).toBe('jsqr')
    expect(await decoder.decode(frame, 1600, 1200)).toBe('https://x.example/#join=abc')
    expect(seen).toEqual([[800, 600]])
    expect(drawn).toEqual([[800, 600]])
    expect(await decoder.decode(frame, 0, 0)).toBeNull()
  })
})

it('explains camera errors in words', () => {
  const error = (name: string) => Object.assign(new Error('x'), { name })
  expect(cameraErrorText(error('NotAllowedError'))).toMatch(/may not use the camera/)
  expect(cameraErrorText(error('NotFoundError'))).toMatch(/No camera/)
  expect(cameraErrorText(error('NotReadableError'))).toMatch(/busy/)
  expect(cameraErrorText(error('Weird'))).toMatch(/could not be started \(x\)/)
})
