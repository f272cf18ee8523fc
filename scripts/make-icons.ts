/**
 * Draws the Peerplace logo (three linked peers, one highlighted) and writes public/icons:
 * icon.svg, icon-192.png, icon-512.png and icon-maskable-512.png. One shape list feeds both the
 * SVG and the rasterizer. Run: `npx tsx scripts/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodePng } from './png.ts'

type Rgb = readonly [number, number, number]
type Shape =
  | { kind: 'rounded-rect'; x: number; y: number; size: number; radius: number; fill: Rgb }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; width: number; fill: Rgb }
  | { kind: 'circle'; cx: number; cy: number; r: number; fill: Rgb }

const TEAL: Rgb = [0x1f, 0x6f, 0x5c]
const WHITE: Rgb = [0xff, 0xff, 0xff]
const AMBER: Rgb = [0xf2, 0xb5, 0x44]

/** The logo in a unit square. `scale` shrinks the peers around the centre (maskable safe zone). */
function logo(options: { fullBleed: boolean; scale: number }): Shape[] {
  const at = (v: number) => 0.5 + (v - 0.5) * options.scale
  const nodes = [
    { x: at(0.5), y: at(0.301), fill: AMBER },
    { x: at(0.27), y: at(0.699), fill: WHITE },
    { x: at(0.73), y: at(0.699), fill: WHITE },
  ]
  const shapes: Shape[] = [
    options.fullBleed
      ? { kind: 'rounded-rect', x: 0, y: 0, size: 1, radius: 0, fill: TEAL }
      : { kind: 'rounded-rect', x: 0, y: 0, size: 1, radius: 0.22, fill: TEAL },
  ]
  for (let i = 0; i < nodes.length; i++) {
    const a = nodes[i]!
    const b = nodes[(i + 1) % nodes.length]!
    const width = 0.045 * options.scale
    shapes.push({ kind: 'line', x1: a.x, y1: a.y, x2: b.x, y2: b.y, width, fill: WHITE })
  }
  for (const node of nodes) {
    shapes.push({
      kind: 'circle',
      cx: node.x,
      cy: node.y,
      r: 0.09 * options.scale,
      fill: node.fill,
    })
  }
  return shapes
}

/** Signed distance from (px, py) to the shape's edge, in unit-square units (< 0 inside). */
function distance(shape: Shape, px: number, py: number): number {
  switch (shape.kind) {
    case 'circle':
      return Math.hypot(px - shape.cx, py - shape.cy) - shape.r
    case 'line': {
      const dx = shape.x2 - shape.x1
      const dy = shape.y2 - shape.y1
      const t = Math.max(
        0,
        Math.min(1, ((px - shape.x1) * dx + (py - shape.y1) * dy) / (dx * dx + dy * dy)),
      )
      return Math.hypot(px - (shape.x1 + t * dx), py - (shape.y1 + t * dy)) - shape.width / 2
    }
    case 'rounded-rect': {
      const half = shape.size / 2
      const qx = Math.abs(px - (shape.x + half)) - half + shape.radius
      const qy = Math.abs(py - (shape.y + half)) - half + shape.radius
      const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0))
      return outside + Math.min(Math.max(qx, qy), 0) - shape.radius
    }
  }
}

/** Rasterizes with analytic anti-aliasing from the distance field; straight (not premultiplied) alpha. */
function rasterize(shapes: readonly Shape[], size: number): Uint8Array {
  const rgba = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / size
      const py = (y + 0.5) / size
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (const shape of shapes) {
        const coverage = Math.max(0, Math.min(1, 0.5 - distance(shape, px, py) * size))
        if (coverage === 0) continue
        const outA = coverage + a * (1 - coverage)
        r = (shape.fill[0] * coverage + r * a * (1 - coverage)) / outA
        g = (shape.fill[1] * coverage + g * a * (1 - coverage)) / outA
        b = (shape.fill[2] * coverage + b * a * (1 - coverage)) / outA
        a = outA
      }
      rgba.set(
        [Math.round(r), Math.round(g), Math.round(b), Math.round(a * 255)],
        (y * size + x) * 4,
      )
    }
  }
  return rgba
}

function hex(color: Rgb): string {
  return '#' + color.map((c) => c.toString(16).padStart(2, '0')).join('')
}

function toSvg(shapes: readonly Shape[]): string {
  const n = (v: number) => +(v * 512).toFixed(2)
  const body = shapes.map((s) => {
    switch (s.kind) {
      case 'rounded-rect':
        return `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.size)}" height="${n(s.size)}" rx="${n(s.radius)}" fill="${hex(s.fill)}"/>`
      case 'line':
        return `<line x1="${n(s.x1)}" y1="${n(s.y1)}" x2="${n(s.x2)}" y2="${n(s.y2)}" stroke="${hex(s.fill)}" stroke-width="${n(s.width)}" stroke-linecap="round"/>`
      case 'circle':
        return `<circle cx="${n(s.cx)}" cy="${n(s.cy)}" r="${n(s.r)}" fill="${hex(s.fill)}"/>`
    }
  })
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">',
    '<title>Peerplace</title>',
    ...body.map((line) => `  ${line}`),
    '</svg>',
    '',
  ].join('\n')
}

const outDir = join(import.meta.dirname, '..', 'public', 'icons')
mkdirSync(outDir, { recursive: true })
const regular = logo({ fullBleed: false, scale: 1 })
// Maskable icons are cropped to a circle of radius 40% of the size: keep the peers inside it.
const maskable = logo({ fullBleed: true, scale: 0.8 })
const outputs: Array<[string, Uint8Array | string]> = [
  ['icon.svg', toSvg(regular)],
  ['icon-192.png', encodePng(192, 192, rasterize(regular, 192))],
  ['icon-512.png', encodePng(512, 512, rasterize(regular, 512))],
  ['icon-maskable-512.png', encodePng(512, 512, rasterize(maskable, 512))],
]
for (const [name, data] of outputs) {
  writeFileSync(join(outDir, name), data)
  console.info(`wrote public/icons/${name}`)
}
