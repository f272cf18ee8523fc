/**
 * Summarises a `.cpuprofile` (as `PEERPLACE_CHAT_PROFILE` writes one): the functions with the
 * most self time, and the most inclusive time, with their share of all samples.
 * `npx tsx bench/cpuprofile-summary.ts <file> [rows] [filter]`; `filter` keeps only functions
 * whose name or file contains it in the inclusive list.
 * - `PEERPLACE_PROFILE_MAPS=<dir>` (say `dist/assets`): a minified script's frames are named by
 *   the source map beside it in that directory (original function, source file and line).
 * - `PEERPLACE_PROFILE_CALLERS=<text>`: also lists where the functions whose label contains it
 *   were called from (`PEERPLACE_PROFILE_DEPTH` frames of each chain, 4 by default).
 * - `PEERPLACE_PROFILE_CALLEES=<text>`: also lists what the outermost function whose label
 *   contains it spent its time in, one call down (`(self)` for its own code); with
 *   `PEERPLACE_PROFILE_CALLEE_DEPTH=n`, chains of up to n calls down, leaving out frames whose
 *   label matches `PEERPLACE_PROFILE_SKIP` (a regular expression, say `xstate|DocHandle`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, rowsArg, filter] = process.argv.slice(2)
if (!file) {
  console.error('usage: cpuprofile-summary <file> [rows] [filter]')
  process.exit(2)
}
const rows = Number(rowsArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const mapsDir = process.env.PEERPLACE_PROFILE_MAPS
const maps = new Map<string, TraceMap | undefined>()
function mapOf(url: string): TraceMap | undefined {
  if (!mapsDir || !url) return undefined
  if (!maps.has(url)) {
    const path = join(mapsDir, `${url.replace(/^.*\//, '')}.map`)
    maps.set(url, existsSync(path) ? new TraceMap(readFileSync(path, 'utf8')) : undefined)
  }
  return maps.get(url)
}

const labels = new Map<number, string>()
const label = (n: ProfileNode) => {
  const known = labels.get(n.id)
  if (known !== undefined) return known
  const { functionName, url, lineNumber, columnNumber } = n.callFrame
  const map = mapOf(url)
  const original = map && originalPositionFor(map, { line: lineNumber + 1, column: columnNumber })
  const text = original?.source
    ? `${original.name ?? (functionName || '(anonymous)')} ` +
      `${original.source.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/')}:${original.line}`
    : `${functionName || '(anonymous)'}${url ? ` ${url.replace(/^.*\//, '')}:${lineNumber + 1}` : ''}`
  labels.set(n.id, text)
  return text
}

/** Each sample's stack of labels, innermost first, and its time: the delta that follows it. */
const samples = profile.samples.map((id, i) => {
  const stack: string[] = []
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    stack.push(label(byId.get(at)!))
  }
  return { stack, us: profile.timeDeltas[i + 1] ?? 0 }
})

const selfUs = new Map<string, number>()
const totalUs = new Map<string, number>()
let all = 0
for (const { stack, us } of samples) {
  all += us
  selfUs.set(stack[0]!, (selfUs.get(stack[0]!) ?? 0) + us)
  for (const name of new Set(stack)) totalUs.set(name, (totalUs.get(name) ?? 0) + us)
}

const print = (title: string, map: Map<string, number>, keep: (name: string) => boolean) => {
  console.info(`\n${title}`)
  const top = [...map].filter(([name]) => keep(name)).sort((a, b) => b[1] - a[1])
  for (const [name, us] of top.slice(0, rows)) {
    const share = ((100 * us) / all).toFixed(1).padStart(5)
    console.info(`${(us / 1000).toFixed(0).padStart(7)} ms ${share}%  ${name}`)
  }
}
console.info(`${(all / 1000).toFixed(0)} ms sampled`)
print('self time', selfUs, () => true)
print('inclusive time', totalUs, (name) => !filter || name.includes(filter))

const callersOf = process.env.PEERPLACE_PROFILE_CALLERS
if (callersOf) {
  const depth = Number(process.env.PEERPLACE_PROFILE_DEPTH ?? 4)
  const chains = new Map<string, number>()
  for (const { stack, us } of samples) {
    const found = stack.findIndex((name) => name.includes(callersOf))
    if (found < 0) continue
    const chain = stack.slice(found + 1, found + 1 + depth).join(' < ')
    chains.set(chain, (chains.get(chain) ?? 0) + us)
  }
  print(`callers of ${callersOf}`, chains, () => true)
}

const calleesOf = process.env.PEERPLACE_PROFILE_CALLEES
const calleeDepth = Number(process.env.PEERPLACE_PROFILE_CALLEE_DEPTH ?? 1)
const skip = process.env.PEERPLACE_PROFILE_SKIP
  ? new RegExp(process.env.PEERPLACE_PROFILE_SKIP)
  : undefined
if (calleesOf) {
  const below = new Map<string, number>()
  for (const { stack, us } of samples) {
    const found = stack.findLastIndex((name) => name.includes(calleesOf))
    if (found < 0) continue
    const chain = stack
      .slice(0, found)
      .reverse()
      .filter((name) => !skip || !skip.test(name))
      .slice(0, calleeDepth)
    const callee = chain.length === 0 ? '(self)' : chain.join(' > ')
    below.set(callee, (below.get(callee) ?? 0) + us)
  }
  print(`what ${calleesOf} spent its time in`, below, () => true)
}
